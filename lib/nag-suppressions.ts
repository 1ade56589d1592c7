/**
 * cdk-nag (AwsSolutions) findings pinstack acknowledges, each with its reason. cdk-nag 3 uses
 * CDK's own `Validations.of(scope).acknowledge()`; a granular rule's finding id carries the
 * exact action or resource (`AwsSolutions-IAM5[Resource::<Logical.Arn>/*]`), so every
 * acknowledgment below names one finding on one construct, never a whole rule.
 */
import { type CfnResource, Stack, Validations } from 'aws-cdk-lib';
import { CfnFunction } from 'aws-cdk-lib/aws-lambda';
import { CfnBucket } from 'aws-cdk-lib/aws-s3';
import type { Secret } from 'aws-cdk-lib/aws-secretsmanager';
import type { Queue } from 'aws-cdk-lib/aws-sqs';
import type { IConstruct } from 'constructs';
import type { BucketAccess, Trigger } from '../system/functions.ts';
import { pinTable } from '../system/table.ts';
import type { ApiCdn, GatewayCdn } from './constructs/cdn.ts';
import type { PinstackApi } from './constructs/http-api.ts';
import type { PinstackFunction } from './constructs/pinstack-function.ts';
import type { Storage } from './constructs/storage.ts';

/** The parts of the stack its acknowledgments are about. */
export interface NaggedStack extends Stack {
  api: PinstackApi;
  apiCdn: ApiCdn;
  gatewayCdn: GatewayCdn;
  scheduleDeadLetterQueue: Queue;
  storage: Storage;
  functions: Record<string, PinstackFunction>;
  providerKey: Secret;
}

/** How cdk-nag writes a Fn::GetAtt Arn in a finding: `<LogicalId.Arn>`. */
function arnRef(resource: CfnResource): string {
  return `<${Stack.of(resource).getLogicalId(resource)}.Arn>`;
}

function defaultChild<T extends CfnResource>(
  scope: IConstruct,
  type: abstract new (...args: never[]) => T,
): T {
  const child = scope.node.defaultChild;
  if (!(child instanceof type)) throw new Error(`${scope.node.path} has no ${type.name}`);
  return child;
}

function acknowledge(scope: IConstruct, reason: string, ...ids: string[]): void {
  for (const id of ids) Validations.of(scope).acknowledge({ id, reason });
}

/** Wildcard actions in CDK's bucket grants, per access mode, and the grant that adds them. */
const S3_GRANTS = {
  read: { grant: 'grantRead', wildcards: ['s3:GetObject*', 's3:GetBucket*', 's3:List*'] },
  write: { grant: 'grantPut', wildcards: ['s3:Abort*'] },
  readwrite: {
    grant: 'grantReadWrite',
    wildcards: ['s3:GetObject*', 's3:GetBucket*', 's3:List*', 's3:DeleteObject*', 's3:Abort*'],
  },
} as const satisfies Record<BucketAccess, { grant: string; wildcards: readonly string[] }>;

export function applyNagSuppressions(stack: NaggedStack): void {
  acknowledge(
    stack.api.api,
    'Routes are authorized in the functions: nft.storage API tokens (Bearer) are checked ' +
      'against hashed tokens in DynamoDB by api-read/api-write; api-public routes ' +
      '(/check, /version, /schema.json) are public by design, as on nft.storage.',
    'AwsSolutions-APIG4',
  );

  for (const cdn of [stack.apiCdn, stack.gatewayCdn]) {
    const distribution = cdn.distribution.node.defaultChild as CfnResource;
    acknowledge(
      distribution,
      'Served on the default *.cloudfront.net name, for which CloudFront fixes the viewer ' +
        'security policy at TLSv1 (it cannot be raised without a custom domain and an ACM ' +
        'certificate); the origins are reached over TLS 1.2 only.',
      'AwsSolutions-CFR4',
    );
    acknowledge(
      distribution,
      'Public by design, worldwide: NFT media and metadata are read by anyone, and the ' +
        'nft.storage API serves every country; an operator bound to restrict countries adds ' +
        'a geo restriction to the distribution.',
      'AwsSolutions-CFR1',
    );
    acknowledge(
      distribution,
      'No web ACL by default (a fixed monthly cost per ACL and rule): API calls are ' +
        'authenticated and rate-limited per token in the functions, and gateway answers are ' +
        'immutable and cached at the edge, with misses answered after one lookup. An ' +
        'operator can attach a WAF web ACL to the distribution.',
      'AwsSolutions-CFR2',
    );
  }

  acknowledge(
    stack.scheduleDeadLetterQueue,
    'This queue is itself the dead-letter queue of the EventBridge Scheduler targets; ' +
      'cdk-nag only recognises DLQs referenced by other queues or by Lambda functions.',
    'AwsSolutions-SQS3',
  );

  acknowledge(
    stack.providerKey,
    "The secret is the IPFS provider's identity: its key signs the IPNI advertisement chain and " +
      'its peer ID is what indexers and clients know the provider by, so rotating it would make ' +
      'a new provider and orphan every published advertisement. It is never exposed: only the ' +
      'publisher and the deploy-time identity step may read it.',
    'AwsSolutions-SMG4',
  );

  const table = arnRef(stack.storage.table.node.defaultChild as CfnResource);
  const indexNames = pinTable.globalSecondaryIndexes.map((i) => i.indexName).join(', ');
  for (const fn of Object.values(stack.functions)) {
    const { role } = fn;
    acknowledge(
      role,
      'X-Ray PutTraceSegments/PutTelemetryRecords support no resource-level permissions ' +
        '(Tracing.ACTIVE adds them with Resource "*"); they are the only "*" resource.',
      'AwsSolutions-IAM5[Resource::*]',
    );
    const { bindings } = fn.spec;
    if (bindings.table) {
      acknowledge(
        role,
        `CDK's table grant reaches the table's own GSIs (${indexNames}) through ` +
          '<TableArn>/index/*; no other table is reachable.',
        `AwsSolutions-IAM5[Resource::${table}/index/*]`,
      );
    }
    for (const name of ['staging', 'carpark', 'ipni'] as const) {
      const access = bindings[name];
      if (!access) continue;
      const bucket = defaultChild(stack.storage.buckets[name], CfnBucket);
      const { grant, wildcards } = S3_GRANTS[access];
      acknowledge(
        role,
        `Object keys in the ${name} bucket are made at runtime (CIDs, upload ids), so the ` +
          'grant covers <BucketArn>/* of this one bucket; the action wildcards ' +
          `(${wildcards.join(', ')}) are the action groups of CDK's ${grant}, on that bucket.`,
        `AwsSolutions-IAM5[Resource::${arnRef(bucket)}/*]`,
        ...wildcards.map((action) => `AwsSolutions-IAM5[Action::${action}]`),
      );
    }
    const triggers: readonly Trigger[] = fn.spec.triggers;
    if (triggers.some((t) => t.kind === 'schedule')) {
      // The scheduler's role is created by CDK at stack level, one per target function.
      acknowledge(
        stack,
        'EventBridge Scheduler may invoke this one function and its versions/aliases ' +
          '(<FunctionArn>:*), as granted by the CDK LambdaInvoke target.',
        `AwsSolutions-IAM5[Resource::${arnRef(defaultChild(fn.fn, CfnFunction))}:*]`,
      );
    }
  }

  for (const child of stack.node.children) {
    if (!child.node.id.startsWith('BucketNotificationsHandler')) continue;
    acknowledge(
      child,
      "CDK's own custom resource that applies the staging bucket's S3 event notifications; " +
        'it uses the AWS-managed basic execution role for its logs and runs only on deploy.',
      'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]',
    );
  }
}
