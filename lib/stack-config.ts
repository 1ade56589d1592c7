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
import type { ProviderSpec } from '../system/pin-providers.ts';
import type { SecretReference } from '../system/secrets.ts';
import {
  readSettings,
  type Setting,
  type SettingName,
  SettingsError,
  settingNames,
  settings,
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
  /** PIN_PROVIDERS: whose credentials the functions that talk to providers may read. */
  pinProviders: ProviderSpec[];
  /** The secrets each `function` setting names (only settings that name some). */
  settingSecrets: Partial<Record<SettingName, SecretReference[]>>;
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
    return value === undefined || value === null || value === ''
      ? (settings[name] as Setting<unknown>).deployedDefault
      : settingText(value);
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
  const settingSecrets: StackConfig['settingSecrets'] = {};
  for (const name of settingNames('function')) {
    const value = (forFunctions as Record<string, unknown>)[name];
    // The text as given (it parsed), so the functions read exactly what the deployer wrote.
    const text = fromContext(name) ?? (value === undefined ? undefined : settingText(value));
    if (text !== undefined) functionEnvironment[name] = text;
    const secrets = (settings[name] as Setting<unknown>).secrets;
    if (secrets && value !== undefined) settingSecrets[name] = secrets(value);
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
    pinProviders: forFunctions.PIN_PROVIDERS ?? [],
    settingSecrets,
  };
}
