/**
 * Every setting pinstack has, declared once: its one name, its one default, how its text form
 * is parsed and what it means. Everything else derives from this list — the functions' typed
 * config, the CDK stack's context and environment, the local stack's environment, and the
 * README's settings tables (a test compares them).
 *
 * A setting is read from the environment (functions, local stack, CLI) or, when deploying,
 * from CDK context (`-c NAME=value`) or the deploying shell's environment. Secrets are never
 * settings: a setting may name a secret (a Secrets Manager or SSM parameter), never hold one.
 */
import * as z from 'zod/mini';
import { S3_MAX_PART_BYTES, S3_MIN_PART_BYTES } from './platform.ts';

/**
 * Who reads a setting:
 * - `function`: every Lambda function (the stack passes it; the local stack passes its own env);
 * - `runtime`: every Lambda function, but provided by where it runs, never by the settings a
 *   deployment chooses (Lambda's region, the local stack's emulator endpoints, the version);
 * - `binding`: a resource name the stack sets on the functions bound to that resource;
 * - `deploy`: the CDK app only;
 * - `local`: the local stack and the CLI only.
 */
export type SettingScope = 'function' | 'runtime' | 'binding' | 'deploy' | 'local';

export interface Setting<
  T,
  S extends SettingScope = SettingScope,
  D extends T | undefined = T | undefined,
> {
  scope: S;
  /** Parses the setting's text form (environment variables and CDK context are text). */
  schema: z.ZodMiniType<T>;
  /** The default, or undefined when unset means something (documented in `description`). */
  default: D;
  /** How the README shows the default when it is not a plain value. */
  shownDefault?: string;
  description: string;
}

const setting = <T, S extends SettingScope, D extends T | undefined>(
  spec: Setting<T, S, D>,
): Setting<T, S, D> => spec;

const integer = <S extends SettingScope>(
  scope: S,
  fallback: number,
  description: string,
  bounds: { min?: number; max?: number; maxWhy?: string } = {},
) =>
  setting({
    scope,
    default: fallback,
    description,
    schema: z.pipe(
      z.string().check(z.regex(/^\d+$/, 'must be a whole number')),
      z.pipe(
        z.transform(Number),
        z
          .number()
          .check(
            z.minimum(bounds.min ?? 1, `must be at least ${bounds.min ?? 1}`),
            z.maximum(
              bounds.max ?? Number.MAX_SAFE_INTEGER,
              `must be at most ${bounds.max}${bounds.maxWhy ? `: ${bounds.maxWhy}` : ''}`,
            ),
          ),
      ),
    ),
  });

const text = <S extends SettingScope, D extends string | undefined>(
  scope: S,
  fallback: D,
  description: string,
) => setting({ scope, default: fallback, description, schema: z.string().check(z.minLength(1)) });

const url = <S extends SettingScope>(scope: S, description: string) =>
  setting({ scope, default: undefined, description, schema: z.url() });

const oneOf = <S extends SettingScope, const V extends readonly [string, ...string[]]>(
  scope: S,
  values: V,
  fallback: V[number],
  description: string,
) => setting({ scope, default: fallback, description, schema: z.enum(values) });

const flag = <S extends SettingScope>(scope: S, fallback: boolean, description: string) =>
  setting({
    scope,
    default: fallback,
    description,
    schema: z.pipe(
      z.enum(['true', 'false']),
      z.transform((v) => v === 'true'),
    ),
  });

/** The IPNI indexer announced to by default: cid.contact's ingest endpoint. */
export const DEFAULT_INDEXER = 'https://cid.contact/announce';

/**
 * The writes of an upload and of a delete, named by the port operation that makes them, at
 * which the local stack can be told to die (PINSTACK_CRASH_AT; local/faults.ts), so tests see
 * what a crash there leaves.
 */
export const CRASH_POINTS = [
  'carpark.put',
  'contents.recordCar',
  'pinQueue.send',
  'contents.recordStored',
  'uploads.create',
  'ingestQueue.send',
  'contents.addHolder',
  'uploads.markDeleted',
  'contents.removeHolder',
] as const;
export type CrashPoint = (typeof CRASH_POINTS)[number];

/** API Gateway hands Lambda at most ~6 MB of event, and binary bodies arrive base64 (+33 %). */
export const INLINE_BODY_CEILING_BYTES = 4_400_000;

export const settings = {
  // Resources: set by the stack (and the local stack) on the functions bound to them.
  TABLE_NAME: text('binding', undefined, 'the DynamoDB table'),
  STAGING_BUCKET: text('binding', undefined, 'S3 bucket uploads are staged in before ingest'),
  CARPARK_BUCKET: text('binding', undefined, 'S3 bucket of stored CARs, content-addressed'),
  IPNI_BUCKET: text('binding', undefined, 'S3 bucket of IPNI advertisements and entry chunks'),
  INGEST_QUEUE_URL: url('binding', 'SQS ingest queue'),
  PIN_QUEUE_URL: url('binding', 'SQS pin queue'),
  IPNI_QUEUE_URL: url('binding', 'SQS queue of IPNI work: CARs to advertise, content to withdraw'),
  PROVIDER_KEY_SECRET_ARN: setting({
    scope: 'binding',
    default: undefined,
    description:
      "Secrets Manager secret holding the provider's libp2p key (its ARN, never the key)",
    schema: z.string().check(z.regex(/^arn:aws[a-z-]*:secretsmanager:/, 'must be a secret ARN')),
  }),
  PROVIDER_PEER_ID: setting({
    scope: 'binding',
    default: undefined,
    description: "the provider's peer ID, derived from its key when the stack deploys",
    schema: z
      .string()
      .check(z.regex(/^12D3KooW[1-9A-HJ-NP-Za-km-z]+$/, 'must be an Ed25519 peer ID')),
  }),
  INDEX_QUEUE_URL: url('binding', 'SQS queue of stored CARs whose blocks the indexer records'),
  QUEUE_URLS: setting({
    scope: 'binding',
    default: undefined,
    description:
      'every work queue and its DLQ, as JSON `{"<queue>": {"url", "dlq"}}`, for their depths',
    schema: z.pipe(
      z.string(),
      z.pipe(
        z.transform((text: string): unknown => {
          try {
            return JSON.parse(text);
          } catch {
            return undefined;
          }
        }),
        z.record(z.string(), z.object({ url: z.url(), dlq: z.url() }), {
          error: 'must be JSON: {"<queue>": {"url": "...", "dlq": "..."}}',
        }),
      ),
    ),
  }),

  // What every function reads: where it runs, then what a deployment chooses.
  AWS_REGION: setting({
    scope: 'runtime',
    default: 'us-east-1',
    shownDefault: 'set by Lambda; `us-east-1` locally',
    description: 'region of the services',
    schema: z.string().check(z.minLength(1)),
  }),
  PINSTACK_DYNAMODB_ENDPOINT: url(
    'runtime',
    'DynamoDB endpoint override (the local emulator, DynamoDB Local, LocalStack); unset on AWS',
  ),
  PINSTACK_S3_ENDPOINT: url(
    'runtime',
    'S3 endpoint override (path-style addressing when set); unset on AWS',
  ),
  PINSTACK_SQS_ENDPOINT: url('runtime', 'SQS endpoint override; unset on AWS'),
  PINSTACK_SECRETSMANAGER_ENDPOINT: url(
    'runtime',
    'Secrets Manager endpoint override (LocalStack, tests); unset on AWS',
  ),
  PROVIDER_KEY_FILE: text(
    'runtime',
    undefined,
    "file holding the provider's key locally (the local stack creates it in its data dir); unset on AWS",
  ),
  RATE_LIMIT_REQUESTS: integer('function', 30, 'requests per rate-limit window per API key'),
  RATE_LIMIT_WINDOW_SECONDS: integer('function', 10, 'the rate-limit window'),
  MAX_INLINE_UPLOAD_BYTES: integer(
    'function',
    4 * 1024 * 1024,
    'largest request body the API takes inline',
    {
      max: INLINE_BODY_CEILING_BYTES,
      maxWhy: 'base64 bodies over it exceed the 6 MB Lambda payload',
    },
  ),
  MAX_STAGED_UPLOAD_BYTES: integer(
    'function',
    32 * 1024 ** 3,
    'largest CAR a staged upload takes',
    {
      max: 32 * 1024 ** 3,
      maxWhy: 'the ingest function verifies and stores a staged CAR within its 15-minute timeout',
    },
  ),
  STAGED_PART_BYTES: setting({
    ...integer(
      'function',
      64 * 1024 ** 2,
      'size of the parts of a multipart staged upload, the largest part a client may ask for, and the largest CAR sent with one PUT instead',
      {
        min: S3_MIN_PART_BYTES,
        max: S3_MAX_PART_BYTES,
        maxWhy: 'S3 takes parts of 5 MiB to 5 GiB',
      },
    ),
    shownDefault: '`67108864`; `8388608` on the local stack',
  }),
  STAGED_URL_LIFETIME_SECONDS: integer(
    'function',
    3600,
    'how long a presigned staged-upload URL stays valid',
  ),
  UNPIN_GRACE_DAYS: integer(
    'function',
    7,
    'days content no live upload holds stays pinned before it is unpinned',
    { min: 0 },
  ),
  PARTIAL_DAG_DEADLINE_HOURS: integer(
    'function',
    24,
    'hours a chunked DAG may stay incomplete before its pin is `failed`',
  ),
  PIN_RECHECK_MINUTES: integer(
    'function',
    10,
    'age after which the pin-status cron re-queues a `pinning` check',
  ),
  LOG_LEVEL: oneOf(
    'function',
    ['debug', 'info', 'warn', 'error', 'silent'],
    'info',
    'log threshold of the functions (`silent` also drops their metric lines)',
  ),
  STATS_CACHE_SECONDS: integer(
    'function',
    10,
    'seconds a function answers /stats, /status and /metrics from what it read last (0: every time)',
    { min: 0 },
  ),
  PINSTACK_VERSION: setting({
    scope: 'runtime',
    default: 'dev',
    shownDefault: '`dev` (the stack sets the package version)',
    description: 'version reported by `GET /version`',
    schema: z.string().check(z.minLength(1)),
  }),
  PINSTACK_COMMIT: text('function', 'unknown', 'build id reported by `GET /version`'),
  GATEWAY_PUBLIC_URL: setting({
    scope: 'function',
    default: undefined,
    shownDefault: "the stack's gateway; `http://127.0.0.1:<GATEWAY_PORT>` locally",
    description:
      'public origin of the IPFS gateway (`https://host`, no path): the address the provider gives in routing answers and IPNI advertisements',
    schema: z.url({ protocol: /^https?$/ }),
  }),
  IPNI_ANNOUNCE_URLS: setting({
    scope: 'function',
    default: [DEFAULT_INDEXER],
    shownDefault: `\`${DEFAULT_INDEXER}\` (cid.contact); none locally`,
    description:
      'comma-separated IPNI indexers told (`PUT /announce`) about each new chain head; `none` for none',
    schema: z.pipe(
      z.string(),
      z.pipe(
        z.transform((text: string) =>
          text.trim() === 'none'
            ? []
            : text
                .split(',')
                .map((url) => url.trim())
                .filter(Boolean),
        ),
        z.array(z.url({ protocol: /^https?$/ })),
      ),
    ),
  }),
  METRICS_TOKEN: setting({
    scope: 'function',
    default: undefined,
    description:
      'hex SHA-256 of the bearer token `GET /metrics` asks for (`printf %s "$T" | sha256sum`); unset: open',
    schema: z.string().check(z.regex(/^[0-9a-f]{64}$/, 'must be a hex SHA-256 (64 characters)')),
  }),

  // The CDK app.
  STACK_NAME: text('deploy', 'Pinstack', 'CloudFormation stack name'),
  DELETION_PROTECTION: flag('deploy', true, 'DynamoDB deletion protection'),
  REMOVAL_POLICY: oneOf(
    'deploy',
    ['retain', 'destroy'],
    'retain',
    '`retain` keeps table, buckets and logs when the stack is deleted; `destroy` removes them',
  ),
  LOG_RETENTION_DAYS: integer(
    'deploy',
    30,
    'CloudWatch Logs retention of every function and the API access log (a value CloudWatch offers)',
  ),
  ALARM_TOPIC_ARN: setting({
    scope: 'deploy',
    default: undefined,
    description: 'an existing SNS topic the alarms notify; unset means alarms without actions',
    schema: z.string().check(z.regex(/^arn:aws[a-z-]*:sns:/, 'must be an SNS topic ARN')),
  }),

  // The local stack and the CLI.
  PORT: integer('local', 8787, 'port of the local HTTP API (on 127.0.0.1; 0 picks a free one)', {
    min: 0,
    max: 65535,
  }),
  GATEWAY_PORT: integer(
    'local',
    8788,
    'port of the local IPFS gateway (on 127.0.0.1; 0 picks a free one)',
    { min: 0, max: 65535 },
  ),
  PINSTACK_DATA_DIR: text(
    'local',
    '.pinstack',
    'where the local stack keeps state across restarts, and `stack.json`, which the CLI reads',
  ),
  PINSTACK_ENDPOINT: url(
    'local',
    'API the content commands (`put`, `status`, ...) talk to; unset: the local stack started from the same folder',
  ),
  PINSTACK_CRASH_AT: setting({
    scope: 'local',
    default: undefined,
    description:
      'for crash tests: the local stack kills itself (SIGKILL) `before:` or `after:` the first ' +
      `write of this kind: ${CRASH_POINTS.map((point) => `\`${point}\``).join(', ')}`,
    schema: z.templateLiteral([z.enum(['before', 'after']), ':', z.enum(CRASH_POINTS)], {
      error: `must be before:<point> or after:<point>, the point one of ${CRASH_POINTS.join(', ')}`,
    }),
  }),
} as const;

export type SettingName = keyof typeof settings;
type ValueOf<N extends SettingName> =
  (typeof settings)[N] extends Setting<infer T, SettingScope, infer _D> ? T : never;
type NamesIn<S extends SettingScope> = {
  [N in SettingName]: (typeof settings)[N]['scope'] extends S ? N : never;
}[SettingName];

/** Settings whose declaration has a default are always present once read. */
export type SettingValues<S extends SettingScope> = {
  [N in NamesIn<S>]: (typeof settings)[N]['default'] extends undefined
    ? ValueOf<N> | undefined
    : ValueOf<N>;
};

export class SettingsError extends Error {
  override name = 'SettingsError';
}

export const settingNames = (scope: SettingScope): SettingName[] =>
  (Object.keys(settings) as SettingName[]).filter((name) => settings[name].scope === scope);

/**
 * Reads the settings of the given scopes from a text source (an environment, CDK context).
 * An empty value counts as unset. Every problem is reported at once, by name.
 */
export function readSettings<S extends SettingScope>(
  scopes: readonly S[],
  source: (name: SettingName) => string | undefined,
): SettingValues<S> {
  const values: Record<string, unknown> = {};
  const problems: string[] = [];
  for (const name of Object.keys(settings) as SettingName[]) {
    const spec = settings[name] as Setting<unknown>;
    if (!scopes.includes(spec.scope as S)) continue;
    const raw = source(name);
    if (raw === undefined || raw === '') {
      values[name] = spec.default;
      continue;
    }
    const parsed = z.safeParse(spec.schema, raw);
    if (parsed.success) values[name] = parsed.data;
    else
      problems.push(
        `${name}=${JSON.stringify(raw.slice(0, 80))}: ${parsed.error.issues[0]?.message}`,
      );
  }
  if (problems.length > 0) throw new SettingsError(`Invalid settings: ${problems.join('; ')}`);
  return values as SettingValues<S>;
}

/** The text form of a value, as an environment variable carries it (lists comma-separated). */
export const settingText = (value: unknown): string =>
  Array.isArray(value) ? (value.length === 0 ? 'none' : value.join(',')) : String(value);
