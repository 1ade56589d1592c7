/**
 * The CDK side's one typed configuration: the `deploy` and `function` settings of
 * system/settings.ts, read once from CDK context (cdk.json or `-c NAME=value`; cdk.json may give
 * JSON values, the command line gives text) and turned into what the constructs use.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { RemovalPolicy } from 'aws-cdk-lib';
import { RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { Node } from 'constructs';
import {
  readSettings,
  type SettingName,
  SettingsError,
  settingNames,
  settingText,
} from '../system/settings.ts';

/** The repository root: entries, the lock file and package.json are resolved against it. */
export const PROJECT_ROOT = fileURLToPath(new URL('..', import.meta.url));

export interface StackConfig {
  stackName: string;
  deletionProtection: boolean;
  removalPolicy: RemovalPolicy;
  logRetention: RetentionDays;
  alarmTopicArn: string | undefined;
  /** MAX_INLINE_UPLOAD_BYTES: the API's CDN answers larger bodies itself. */
  maxInlineUploadBytes: number;
  /** The `function` settings (and the version) every function receives, as text. */
  functionEnvironment: Record<string, string>;
}

const VALID_RETENTION_DAYS = new Set<number>(
  Object.values(RetentionDays).filter((v): v is number => typeof v === 'number' && v > 0),
);

export function packageVersion(): string {
  const pkg: unknown = JSON.parse(
    readFileSync(new URL('../package.json', import.meta.url), 'utf8'),
  );
  const version = (pkg as { version?: unknown }).version;
  if (typeof version !== 'string') throw new SettingsError('package.json has no version');
  return version;
}

export function readStackConfig(node: Node): StackConfig {
  const fromContext = (name: SettingName) => {
    const value: unknown = node.tryGetContext(name);
    return value === undefined || value === null ? undefined : settingText(value);
  };
  const deploy = readSettings(['deploy'], fromContext);
  const forFunctions = readSettings(['function'], fromContext);

  if (!VALID_RETENTION_DAYS.has(deploy.LOG_RETENTION_DAYS)) {
    const allowed = [...VALID_RETENTION_DAYS].sort((a, b) => a - b).join(', ');
    throw new SettingsError(
      `LOG_RETENTION_DAYS must be one of ${allowed}, got ${deploy.LOG_RETENTION_DAYS}`,
    );
  }
  const functionEnvironment: Record<string, string> = { PINSTACK_VERSION: packageVersion() };
  for (const name of settingNames('function')) {
    const value = (forFunctions as Record<string, unknown>)[name];
    if (value !== undefined) functionEnvironment[name] = settingText(value);
  }
  return {
    stackName: deploy.STACK_NAME,
    deletionProtection: deploy.DELETION_PROTECTION,
    removalPolicy:
      deploy.REMOVAL_POLICY === 'destroy' ? RemovalPolicy.DESTROY : RemovalPolicy.RETAIN,
    logRetention: deploy.LOG_RETENTION_DAYS as RetentionDays,
    alarmTopicArn: deploy.ALARM_TOPIC_ARN,
    maxInlineUploadBytes: forFunctions.MAX_INLINE_UPLOAD_BYTES,
    functionEnvironment,
  };
}
