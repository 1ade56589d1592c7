/**
 * Builds the CDK app and the pinstack stack. bin/pinstack.ts synthesizes it for the CLI; the
 * infra tests call it directly with their own context.
 */
import { App } from 'aws-cdk-lib';
import { PinstackStack } from './pinstack-stack.ts';
import { readStackConfig } from './stack-config.ts';

/**
 * Feature flags the stack relies on, as app defaults (cdk.json or -c can still override):
 * server access logs are delivered through a bucket policy, so log buckets need no ACLs.
 */
export const FEATURE_FLAGS = {
  '@aws-cdk/aws-s3:serverAccessLogsUseBucketPolicy': true,
  '@aws-cdk/aws-s3:createDefaultLoggingPolicy': true,
} as const;

export interface CreateAppOptions {
  /** Context values, as `-c key=value` would give them (e.g. for tests). */
  context?: Record<string, unknown>;
  /**
   * CDK's built-in CloudFormation schema validation at synth (default on). It costs seconds
   * per synth, so tests asserting on template details turn it off; one test keeps it on.
   */
  cloudFormationValidation?: boolean;
}

export function createApp(options: CreateAppOptions = {}): { app: App; stack: PinstackStack } {
  const app = new App({
    context: { ...FEATURE_FLAGS, ...options.context },
    builtinCloudFormationValidation: options.cloudFormationValidation ?? true,
  });
  const config = readStackConfig(app.node);
  // Env-agnostic unless the CLI knows the target account/region; synth needs no credentials.
  const account = process.env.CDK_DEFAULT_ACCOUNT;
  const region = process.env.CDK_DEFAULT_REGION;
  const stack = new PinstackStack(app, config.stackName, {
    config,
    description: 'pinstack: nft.storage-compatible NFT storage in your own AWS account',
    ...(account && region ? { env: { account, region } } : {}),
  });
  return { app, stack };
}
