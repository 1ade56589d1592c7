/**
 * The one typed configuration module. Read once per container (cold start); a missing or
 * malformed value throws at once with the variable's name instead of failing on first use.
 */
import { z } from 'zod';
import { RESOURCE_ENV } from '../../lib/catalog.ts';

const positiveInt = (fallback: number) => z.coerce.number().int().positive().default(fallback);
const optionalUrl = z.url().optional();

const schema = z.object({
  AWS_REGION: z.string().min(1).default('us-east-1'),
  TABLE_NAME: z.string().min(1).optional(),
  STAGING_BUCKET: z.string().min(1).optional(),
  CARPARK_BUCKET: z.string().min(1).optional(),
  INGEST_QUEUE_URL: optionalUrl,
  PIN_QUEUE_URL: optionalUrl,
  /** Endpoint overrides: the local emulators, DynamoDB Local, LocalStack. Unset on AWS. */
  PINSTACK_DYNAMODB_ENDPOINT: optionalUrl,
  PINSTACK_S3_ENDPOINT: optionalUrl,
  PINSTACK_SQS_ENDPOINT: optionalUrl,
  RATE_LIMIT_REQUESTS: positiveInt(30),
  RATE_LIMIT_WINDOW_SECONDS: positiveInt(10),
  /** Largest raw body POST /upload takes inline; API Gateway + Lambda cap the event at ~6 MB. */
  MAX_INLINE_UPLOAD_BYTES: positiveInt(4 * 1024 * 1024).refine((n) => n <= 4_400_000, {
    message: 'must be at most 4400000: base64 bodies over it exceed the 6 MB Lambda payload',
  }),
  /** Largest CAR a staged (presigned S3) upload takes; the ingest Lambda holds it in memory. */
  MAX_STAGED_UPLOAD_BYTES: positiveInt(512 * 1024 * 1024),
  /** How long a presigned staged-upload URL stays valid. */
  STAGED_URL_LIFETIME_SECONDS: positiveInt(3600),
  /** Days content no live upload references stays pinned before it is marked for unpinning. */
  UNPIN_GRACE_DAYS: z.coerce.number().int().nonnegative().default(7),
  /** Hours a chunked DAG may stay incomplete before its pin is marked failed. */
  PARTIAL_DAG_DEADLINE_HOURS: positiveInt(24),
  /** Minutes a pin may wait in `pinning` before the pin-status cron re-checks it. */
  PIN_RECHECK_MINUTES: positiveInt(10),
  // The stack sets the package version; a local run reports `dev`.
  PINSTACK_VERSION: z.string().default('dev'),
  PINSTACK_COMMIT: z.string().default('unknown'),
});

export type Config = z.infer<typeof schema>;
export type ResourceName = keyof typeof RESOURCE_ENV;

export class ConfigError extends Error {
  override name = 'ConfigError';
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const parsed = schema.safeParse(env);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
    throw new ConfigError(`Invalid configuration: ${problems.join('; ')}`);
  }
  return parsed.data;
}

/** The name of a bound resource, or a fail-fast error naming the missing env var. */
export function resource(config: Config, name: ResourceName): string {
  const envName = RESOURCE_ENV[name];
  const value = config[envName];
  if (!value) throw new ConfigError(`Missing env var: ${envName}`);
  return value;
}
