/**
 * The CDK side's one typed configuration: CDK context (cdk.json or `-c key=value`) read once,
 * validated, and turned into the settings the constructs use. CLI context arrives as strings,
 * cdk.json context as JSON values; both are accepted.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { RemovalPolicy } from 'aws-cdk-lib';
import { RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { Node } from 'constructs';
import { loadConfig } from '../lambdas/shared/config.ts';

/** The repository root: entries, the lock file and package.json are resolved against it. */
export const PROJECT_ROOT = fileURLToPath(new URL('..', import.meta.url));

/** Context keys the app reads, with their defaults. */
export const CONTEXT_DEFAULTS = {
  stackName: 'Pinstack',
  /** DynamoDB deletion protection. */
  deletionProtection: true,
  /** 'retain' keeps the table, buckets and log groups when the stack is deleted. */
  removalPolicy: 'retain',
  logRetentionDays: 30,
  /** An existing SNS topic the alarms notify; unset means alarms without actions. */
  alarmTopicArn: undefined,
  rateLimitRequests: 30,
  rateLimitWindowSeconds: 10,
  maxInlineUploadBytes: 4 * 1024 * 1024,
  unpinGraceDays: 7,
  maxStagedUploadBytes: 512 * 1024 * 1024,
  stagedUrlLifetimeSeconds: 3600,
  partialDagDeadlineHours: 24,
  pinRecheckMinutes: 10,
  /** Build identifier reported by GET /version; unset means 'unknown'. */
  commit: undefined,
} as const;

export type ContextKey = keyof typeof CONTEXT_DEFAULTS;

export interface StackConfig {
  stackName: string;
  deletionProtection: boolean;
  removalPolicy: RemovalPolicy;
  logRetention: RetentionDays;
  alarmTopicArn: string | undefined;
  /** Non-secret runtime settings every function receives (validated like the Lambdas do). */
  functionEnvironment: Record<string, string>;
}

export class StackConfigError extends Error {
  override name = 'StackConfigError';
}

const VALID_RETENTION_DAYS = new Set<number>(
  Object.values(RetentionDays).filter((v): v is number => typeof v === 'number' && v > 0),
);

function readRaw(node: Node, key: ContextKey): unknown {
  const value: unknown = node.tryGetContext(key);
  return value === undefined || value === '' ? CONTEXT_DEFAULTS[key] : value;
}

function readBoolean(node: Node, key: ContextKey): boolean {
  const value = readRaw(node, key);
  if (value === true || value === 'true') return true;
  if (value === false || value === 'false') return false;
  throw new StackConfigError(`Context ${key} must be true or false, got ${String(value)}`);
}

function readInteger(node: Node, key: ContextKey): number {
  const value = readRaw(node, key);
  const n = typeof value === 'string' ? Number(value) : value;
  if (typeof n !== 'number' || !Number.isSafeInteger(n) || n < 0) {
    throw new StackConfigError(
      `Context ${key} must be a non-negative integer, got ${String(value)}`,
    );
  }
  return n;
}

function readOptionalString(node: Node, key: ContextKey): string | undefined {
  const value = readRaw(node, key);
  if (value === undefined) return undefined;
  if (typeof value !== 'string') {
    throw new StackConfigError(`Context ${key} must be a string, got ${String(value)}`);
  }
  return value;
}

function readRemovalPolicy(node: Node): RemovalPolicy {
  const value = readRaw(node, 'removalPolicy');
  if (value === 'retain') return RemovalPolicy.RETAIN;
  if (value === 'destroy') return RemovalPolicy.DESTROY;
  throw new StackConfigError(
    `Context removalPolicy must be 'retain' or 'destroy', got ${String(value)}`,
  );
}

function readLogRetention(node: Node): RetentionDays {
  const days = readInteger(node, 'logRetentionDays');
  if (!VALID_RETENTION_DAYS.has(days)) {
    const allowed = [...VALID_RETENTION_DAYS].sort((a, b) => a - b).join(', ');
    throw new StackConfigError(`Context logRetentionDays must be one of ${allowed}, got ${days}`);
  }
  return days as RetentionDays;
}

export function packageVersion(): string {
  const pkg: unknown = JSON.parse(
    readFileSync(new URL('../package.json', import.meta.url), 'utf8'),
  );
  const version = (pkg as { version?: unknown }).version;
  if (typeof version !== 'string') throw new StackConfigError('package.json has no version');
  return version;
}

export function readStackConfig(node: Node): StackConfig {
  const stackName = readOptionalString(node, 'stackName') ?? CONTEXT_DEFAULTS.stackName;
  const commit = readOptionalString(node, 'commit');
  const functionEnvironment: Record<string, string> = {
    RATE_LIMIT_REQUESTS: String(readInteger(node, 'rateLimitRequests')),
    RATE_LIMIT_WINDOW_SECONDS: String(readInteger(node, 'rateLimitWindowSeconds')),
    MAX_INLINE_UPLOAD_BYTES: String(readInteger(node, 'maxInlineUploadBytes')),
    UNPIN_GRACE_DAYS: String(readInteger(node, 'unpinGraceDays')),
    MAX_STAGED_UPLOAD_BYTES: String(readInteger(node, 'maxStagedUploadBytes')),
    STAGED_URL_LIFETIME_SECONDS: String(readInteger(node, 'stagedUrlLifetimeSeconds')),
    PARTIAL_DAG_DEADLINE_HOURS: String(readInteger(node, 'partialDagDeadlineHours')),
    PIN_RECHECK_MINUTES: String(readInteger(node, 'pinRecheckMinutes')),
    PINSTACK_VERSION: packageVersion(),
    ...(commit ? { PINSTACK_COMMIT: commit } : {}),
  };
  // Fail at synth, not at the first cold start, on values the functions would reject.
  try {
    loadConfig(functionEnvironment);
  } catch (error) {
    throw new StackConfigError(`Function settings from context are invalid: ${String(error)}`, {
      cause: error,
    });
  }
  return {
    stackName,
    deletionProtection: readBoolean(node, 'deletionProtection'),
    removalPolicy: readRemovalPolicy(node),
    logRetention: readLogRetention(node),
    alarmTopicArn: readOptionalString(node, 'alarmTopicArn'),
    functionEnvironment,
  };
}
