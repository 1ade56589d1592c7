/**
 * The house Lambda: one place that fixes runtime, architecture, ESM bundling, source maps,
 * tracing and an owned log group, plus bind helpers that set a resource's env var and grant
 * exactly what the catalog's access mode allows — never more.
 */
import { join } from 'node:path';
import { ArnFormat, Duration, type RemovalPolicy, Stack } from 'aws-cdk-lib';
import type { ITable } from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';
import {
  Architecture,
  ParamsAndSecretsLayerVersion,
  ParamsAndSecretsLogLevel,
  ParamsAndSecretsVersions,
  Runtime,
  Tracing,
} from 'aws-cdk-lib/aws-lambda';
import { NodejsFunction, OutputFormat, SourceMapMode } from 'aws-cdk-lib/aws-lambda-nodejs';
import { LogGroup, type RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { IBucket } from 'aws-cdk-lib/aws-s3';
import type { ISecret } from 'aws-cdk-lib/aws-secretsmanager';
import type { IQueue } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import {
  type BucketAccess,
  type BucketName,
  type FunctionSpec,
  handlerEntry,
  type QueueAccess,
  type QueueName,
  RESOURCE_ENV,
  type TableAccess,
} from '../../system/functions.ts';
import type { SecretReference } from '../../system/secrets.ts';
import { BUNDLE, BUNDLE_ALIASES } from '../bundling.ts';
import { PROJECT_ROOT } from '../stack-config.ts';
import { OperationalAlarms } from './alarms.ts';

/** What grantReadData and grantWriteData allow, less the scan (and the streams, unused). */
const TABLE_READS = [
  'dynamodb:GetItem',
  'dynamodb:BatchGetItem',
  'dynamodb:Query',
  'dynamodb:ConditionCheckItem',
  'dynamodb:DescribeTable',
];
const TABLE_WRITES = [
  'dynamodb:PutItem',
  'dynamodb:UpdateItem',
  'dynamodb:DeleteItem',
  'dynamodb:BatchWriteItem',
];

/** Rate-limit counters are the only items a 'read+counters' function may update. */
export const COUNTER_KEY_PATTERN = 'RATE#*';
/** The partition of operational records (cron runs, queue progress): lambdas/shared/ops.ts. */
export const OPS_PARTITION = 'OPS';

export interface PinstackFunctionProps {
  spec: FunctionSpec;
  /** Settings every function receives (rate limits, version, ...). */
  environment: Record<string, string>;
  logRetention: RetentionDays;
  logRemovalPolicy: RemovalPolicy;
  /** Secrets the function reads at cold start (named by its settings): granted, nothing more. */
  secrets?: readonly SecretReference[];
}

export class PinstackFunction extends Construct {
  readonly spec: FunctionSpec;
  readonly fn: NodejsFunction;
  readonly logGroup: LogGroup;
  readonly role: iam.Role;

  constructor(scope: Construct, id: string, props: PinstackFunctionProps) {
    super(scope, id);
    const { spec } = props;
    this.spec = spec;

    this.logGroup = new LogGroup(this, 'Logs', {
      retention: props.logRetention,
      removalPolicy: props.logRemovalPolicy,
    });

    // An own role instead of the managed AWSLambdaBasicExecutionRole: the function may write
    // only to its own log group.
    this.role = new iam.Role(this, 'Role', {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      description: `Execution role of the pinstack ${spec.name} function`,
    });
    this.role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        actions: ['logs:CreateLogStream', 'logs:PutLogEvents'],
        resources: [this.logGroup.logGroupArn],
      }),
    );

    this.fn = new NodejsFunction(this, 'Function', {
      description: spec.description,
      entry: join(PROJECT_ROOT, handlerEntry(spec)),
      handler: 'handler',
      projectRoot: PROJECT_ROOT,
      depsLockFilePath: join(PROJECT_ROOT, 'package-lock.json'),
      runtime: Runtime.NODEJS_24_X,
      architecture: Architecture.ARM_64,
      memorySize: spec.memoryMB,
      timeout: Duration.seconds(spec.timeoutSeconds),
      role: this.role,
      logGroup: this.logGroup,
      tracing: Tracing.ACTIVE,
      // The AWS extension that serves the function its secrets over a local endpoint: no SDK
      // client for Secrets Manager or SSM in the bundle. Only functions that read secrets.
      ...(props.secrets?.length
        ? {
            paramsAndSecrets: ParamsAndSecretsLayerVersion.fromVersion(
              ParamsAndSecretsVersions.V1_0_103,
              { logLevel: ParamsAndSecretsLogLevel.WARN },
            ),
          }
        : {}),
      environment: {
        NODE_OPTIONS: '--enable-source-maps',
        ...props.environment,
      },
      bundling: {
        format: OutputFormat.ESM,
        target: BUNDLE.target,
        mainFields: [...BUNDLE.mainFields],
        minify: BUNDLE.minify,
        keepNames: BUNDLE.keepNames,
        sourceMap: true,
        sourceMapMode: SourceMapMode.DEFAULT,
        // The runtime's SDK version is not ours to choose: bundle the one we test against.
        externalModules: [],
        banner: BUNDLE.banner,
        esbuildArgs: Object.fromEntries(
          Object.entries(BUNDLE_ALIASES).map(([module, file]) => [`--alias:${module}`, file]),
        ),
      },
    });
    OperationalAlarms.of(this).watchFunction(id, this.fn, Duration.seconds(spec.timeoutSeconds));
    if (props.secrets?.length) this.grantSecrets(props.secrets);
  }

  /** Read access to exactly these secrets (Secrets Manager names get their random suffix). */
  private grantSecrets(secrets: readonly SecretReference[]): void {
    const stack = Stack.of(this);
    const secretArns = secrets
      .filter((ref) => ref.store === 'secretsmanager')
      .map((ref) =>
        ref.id.startsWith('arn:')
          ? ref.id
          : stack.formatArn({
              service: 'secretsmanager',
              resource: 'secret',
              resourceName: `${ref.id}-??????`,
              arnFormat: ArnFormat.COLON_RESOURCE_NAME,
            }),
      );
    const parameterArns = secrets
      .filter((ref) => ref.store === 'ssm')
      .map((ref) =>
        stack.formatArn({
          service: 'ssm',
          resource: 'parameter',
          resourceName: ref.id.replace(/^\//, ''),
        }),
      );
    if (secretArns.length > 0) {
      this.role.addToPrincipalPolicy(
        new iam.PolicyStatement({
          actions: ['secretsmanager:GetSecretValue'],
          resources: [...new Set(secretArns)],
        }),
      );
    }
    if (parameterArns.length > 0) {
      this.role.addToPrincipalPolicy(
        new iam.PolicyStatement({
          actions: ['ssm:GetParameter'],
          resources: [...new Set(parameterArns)],
        }),
      );
    }
  }

  private setResourceEnv(variable: string, value: string): void {
    this.fn.addEnvironment(variable, value);
  }

  /** TABLE_NAME plus the grant for the access mode (on the table and its indexes). */
  bindTable(table: ITable, access: TableAccess): void {
    this.setResourceEnv(RESOURCE_ENV.table, table.tableName);
    switch (access) {
      case 'read':
        table.grant(this.fn, ...TABLE_READS);
        return;
      case 'read+counters':
        table.grant(this.fn, ...TABLE_READS);
        // Reads everywhere, but writes only to rate-limit counter items (pk RATE#...).
        this.fn.addToRolePolicy(
          new iam.PolicyStatement({
            actions: ['dynamodb:UpdateItem'],
            resources: [table.tableArn],
            conditions: {
              'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': [COUNTER_KEY_PATTERN] },
            },
          }),
        );
        return;
      case 'readwrite':
        table.grant(this.fn, ...TABLE_READS, ...TABLE_WRITES);
        return;
      case 'readwrite+scan':
        table.grant(this.fn, ...TABLE_READS, ...TABLE_WRITES, 'dynamodb:Scan');
        return;
    }
  }

  /**
   * TABLE_NAME plus updates of the operational records only: what every scheduled or
   * queue-triggered function's edge writes (its runs, its queue's progress), whatever else it
   * is bound to.
   */
  bindOpsRecords(table: ITable): void {
    this.setResourceEnv(RESOURCE_ENV.table, table.tableName);
    this.fn.addToRolePolicy(
      new iam.PolicyStatement({
        actions: ['dynamodb:UpdateItem'],
        resources: [table.tableArn],
        conditions: { 'ForAllValues:StringEquals': { 'dynamodb:LeadingKeys': [OPS_PARTITION] } },
      }),
    );
  }

  /** QUEUE_URLS (every work queue and its DLQ) plus GetQueueAttributes on each, nothing else. */
  bindQueueStats(queues: Record<string, { queue: IQueue; deadLetterQueue: IQueue }>): void {
    const urls: Record<string, { url: string; dlq: string }> = {};
    for (const [name, { queue, deadLetterQueue }] of Object.entries(queues)) {
      urls[name] = { url: queue.queueUrl, dlq: deadLetterQueue.queueUrl };
      for (const q of [queue, deadLetterQueue]) q.grant(this.fn, 'sqs:GetQueueAttributes');
    }
    this.setResourceEnv(RESOURCE_ENV.queueStats, Stack.of(this).toJsonString(urls));
  }

  /**
   * STAGING_BUCKET / CARPARK_BUCKET plus the grant: 'read' gets/lists, 'write' only puts (e.g.
   * to presign uploads), 'readwrite' gets, puts and deletes (grantReadWrite already includes
   * s3:DeleteObject*, so no separate grantDelete).
   */
  bindBucket(name: BucketName, bucket: IBucket, access: BucketAccess): void {
    this.setResourceEnv(RESOURCE_ENV[name], bucket.bucketName);
    switch (access) {
      case 'read':
        bucket.grantRead(this.fn);
        return;
      case 'write':
        bucket.grantPut(this.fn);
        return;
      case 'readwrite':
        bucket.grantReadWrite(this.fn);
        return;
    }
  }

  /**
   * INGEST_QUEUE_URL / PIN_QUEUE_URL plus the grant. 'consume' grants nothing here: the
   * QueueConsumer's event source mapping grants the receive/delete actions it needs.
   */
  bindQueue(name: QueueName, queue: IQueue, access: QueueAccess): void {
    this.setResourceEnv(RESOURCE_ENV[name], queue.queueUrl);
    if (access === 'send' || access === 'send+consume') queue.grantSendMessages(this.fn);
  }

  /** PROVIDER_KEY_SECRET_ARN plus GetSecretValue on that one secret (the key, to sign with). */
  bindProviderKey(secret: ISecret): void {
    this.setResourceEnv(RESOURCE_ENV.providerKey, secret.secretArn);
    secret.grantRead(this.fn);
  }

  /** PROVIDER_PEER_ID: public, derived from the key at deploy (no access to the key). */
  bindProviderId(peerId: string): void {
    this.setResourceEnv(RESOURCE_ENV.providerId, peerId);
  }
}
