/**
 * Which pinstack the CLI talks to: the local stack started from this folder, or a deployed
 * CloudFormation stack whose outputs name its resources.
 */
import { CloudFormationClient, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import { type Config, loadConfig } from '../lambdas/shared/config.ts';
import type { OutputKey } from '../lib/pinstack-stack.ts';
import { readLocalStack } from '../local/stack-file.ts';

export interface Target {
  config: Config;
  description: string;
}

/** The env var each stack output fills; typed by the stack's own output keys, so they agree. */
export const OUTPUT_ENV = {
  TableName: 'TABLE_NAME',
  StagingBucketName: 'STAGING_BUCKET',
  CarparkBucketName: 'CARPARK_BUCKET',
  IngestQueueUrl: 'INGEST_QUEUE_URL',
  PinQueueUrl: 'PIN_QUEUE_URL',
  IpniQueueUrl: 'IPNI_QUEUE_URL',
  PeerId: 'PROVIDER_PEER_ID',
  ProviderKeySecretArn: 'PROVIDER_KEY_SECRET_ARN',
} as const satisfies Record<Exclude<OutputKey, 'ApiUrl' | 'GatewayUrl'>, string>;

export async function resolveTarget(options: { stack?: string; region?: string }): Promise<Target> {
  if (options.stack) return deployedStack(options.stack, options.region);
  const dataDir = process.env.PINSTACK_DATA_DIR ?? '.pinstack';
  const local = await readLocalStack(dataDir);
  // The emulators check no credentials, but the SDK insists on having some.
  if (!process.env.AWS_ACCESS_KEY_ID && !process.env.AWS_PROFILE) {
    process.env.AWS_ACCESS_KEY_ID = 'local';
    process.env.AWS_SECRET_ACCESS_KEY = 'local';
  }
  return {
    config: loadConfig({ ...process.env, ...local.env }),
    description: `the local stack (${local.apiUrl})`,
  };
}

async function deployedStack(stackName: string, region?: string): Promise<Target> {
  const cloudFormation = new CloudFormationClient(region ? { region } : {});
  const { Stacks } = await cloudFormation.send(new DescribeStacksCommand({ StackName: stackName }));
  const outputs = new Map((Stacks?.[0]?.Outputs ?? []).map((o) => [o.OutputKey, o.OutputValue]));
  const env: Record<string, string> = {};
  for (const [output, envName] of Object.entries(OUTPUT_ENV)) {
    const value = outputs.get(output);
    if (value) env[envName] = value;
  }
  if (!env.TABLE_NAME) {
    throw new Error(`Stack ${stackName} has no TableName output: is it a pinstack stack?`);
  }
  const resolvedRegion = region ?? (await cloudFormation.config.region());
  return {
    config: loadConfig({
      ...process.env,
      // Real AWS: never the local endpoints, whatever the shell has set.
      PINSTACK_DYNAMODB_ENDPOINT: undefined,
      PINSTACK_S3_ENDPOINT: undefined,
      PINSTACK_SQS_ENDPOINT: undefined,
      PINSTACK_SECRETSMANAGER_ENDPOINT: undefined,
      AWS_REGION: resolvedRegion,
      ...env,
    }),
    description: `stack ${stackName} (${resolvedRegion})`,
  };
}
