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
import { GatewayListText, ProviderListText, PUBLIC_TRUSTLESS_GATEWAYS } from './pin-providers.ts';
import { S3_MAX_PART_BYTES, S3_MIN_PART_BYTES } from './platform.ts';
import { parseSecretReference, type SecretReference } from './secrets.ts';

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
  /**
   * The text a deployment uses when neither CDK context nor the deploying shell sets one, for
   * a default a deployment needs but the local stack must not have (public gateways that a
   * test run on a laptop must never reach).
   */
  deployedDefault?: string;
  /** The secrets a value names: the stack grants them to the functions reading the setting. */
  secrets?: (value: T) => SecretReference[];
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

/** Text holding JSON, parsed (settings are text: environment variables, CDK context). */
const jsonText = z.pipe(
  z.string(),
  z.transform((text: string, ctx) => {
    try {
      return JSON.parse(text) as unknown;
    } catch {
      ctx.issues.push({ code: 'custom', message: 'must be JSON', input: text });
      return z.NEVER;
    }
  }),
);

const isHttpUrl = (text: string) => {
  try {
    const url = new URL(text);
    return url.protocol === 'https:' || url.protocol === 'http:';
  } catch {
    return false;
  }
};

/** One chain the scraper scans (see CHAINS). */
export interface ChainSetting {
  chainId: number;
  /** An http(s) JSON-RPC URL, or a secret reference naming where the URL (with its key) is. */
  rpcUrl: string;
  startBlock: number;
  /** Blocks to stay behind the head, so that reorgs rarely reach what was scanned. */
  confirmations: number;
  /** An allow-list of contract addresses; all contracts when absent. */
  contracts?: string[];
  /** The largest block window of one eth_getLogs (windows shrink when a provider refuses). */
  windowBlocks: number;
}

const CHAIN_KEYS = [
  'chainId',
  'rpcUrl',
  'startBlock',
  'confirmations',
  'contracts',
  'windowBlocks',
];
const whole = (value: unknown, min: number, max = Number.MAX_SAFE_INTEGER) =>
  Number.isSafeInteger(value) && (value as number) >= min && (value as number) <= max;

/**
 * The chains of a parsed CHAINS value, or what is wrong with it (with where). Checked by hand:
 * every function parses every setting, and this costs the public read function's bundle far
 * less than the equivalent schema.
 */
function chainsOf(value: unknown): ChainSetting[] | string {
  if (!Array.isArray(value)) return 'must be a JSON array of chains';
  const seen = new Set<unknown>();
  const list: ChainSetting[] = [];
  for (const [i, entry] of value.entries()) {
    if (entry === null || typeof entry !== 'object' || Array.isArray(entry)) {
      return `${i}: must be a chain object`;
    }
    const unknownKey = Object.keys(entry).find((key) => !CHAIN_KEYS.includes(key));
    if (unknownKey) return `${i}: unknown key ${unknownKey}`;
    const {
      chainId,
      rpcUrl,
      startBlock,
      confirmations = 12,
      contracts,
      windowBlocks = 2000,
    } = entry as Record<string, unknown>;
    const wrong = (key: string, why: string) => `${i}.${key}: ${why}`;
    if (!whole(chainId, 1)) return wrong('chainId', 'must be a whole number from 1');
    if (typeof rpcUrl !== 'string' || !(isHttpUrl(rpcUrl) || parseSecretReference(rpcUrl))) {
      return wrong(
        'rpcUrl',
        'must be an http(s) URL or name a secret: secretsmanager:<name or ARN> or ssm:<parameter>',
      );
    }
    if (!whole(startBlock, 0)) return wrong('startBlock', 'must be a whole number from 0');
    if (!whole(confirmations, 0, 10_000)) return wrong('confirmations', 'must be 0 to 10000');
    if (!whole(windowBlocks, 1, 1_000_000)) return wrong('windowBlocks', 'must be 1 to 1000000');
    if (contracts !== undefined) {
      if (!Array.isArray(contracts) || contracts.length === 0 || contracts.length > 1000) {
        return wrong('contracts', 'must list 1 to 1000 addresses');
      }
      const bad = contracts.findIndex(
        (address) => typeof address !== 'string' || !/^0x[0-9a-fA-F]{40}$/.test(address),
      );
      if (bad >= 0) return wrong(`contracts.${bad}`, 'must be an address: 0x and 40 hex digits');
    }
    if (seen.has(chainId)) return 'each chainId at most once';
    seen.add(chainId);
    list.push({
      chainId: chainId as number,
      rpcUrl,
      startBlock: startBlock as number,
      confirmations: confirmations as number,
      ...(contracts ? { contracts: contracts as string[] } : {}),
      windowBlocks: windowBlocks as number,
    });
  }
  return list;
}

const chains = z.pipe(
  jsonText,
  z.transform((value: unknown, ctx) => {
    const parsed = chainsOf(value);
    if (typeof parsed !== 'string') return parsed;
    ctx.issues.push({ code: 'custom', message: parsed, input: value });
    return z.NEVER;
  }),
);

/** The secret references among the chains' RPC URLs. */
export const chainSecrets = (list: readonly ChainSetting[]): SecretReference[] =>
  list.flatMap((chain) => {
    const ref = parseSecretReference(chain.rpcUrl);
    return ref ? [ref] : [];
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
  AWS_LAMBDA_RUNTIME_API: setting({
    scope: 'runtime',
    default: undefined,
    shownDefault: 'set by Lambda; unset locally',
    description:
      "where Lambda's runtime API listens: when set, pin-by-CID never fetches from loopback or link-local addresses",
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
      'size of the parts of a multipart staged upload: the largest part, and the largest CAR sent with one PUT',
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
    'age after which the pin-status cron re-checks a pin that is not final: re-queues a `queued` pin or a completeness check, polls the providers of a `pinning` one',
    { min: 0 },
  ),
  PIN_PROVIDERS: setting({
    scope: 'function',
    default: undefined,
    shownDefault: 'unset (no provider)',
    description:
      'JSON list of the IPFS providers every pin goes to: `name`, `kind`, `url`, `credential`? (see Pinning)',
    schema: ProviderListText,
  }),
  IPFS_GATEWAYS: setting({
    scope: 'function',
    default: undefined,
    shownDefault: `on AWS \`${PUBLIC_TRUSTLESS_GATEWAYS.join(',')}\`; locally unset (none)`,
    deployedDefault: PUBLIC_TRUSTLESS_GATEWAYS.join(','),
    description:
      "trustless gateways pin-by-CID fetches from after the request's own origins, comma-separated, tried in order; `none` for none",
    schema: GatewayListText,
  }),
  PIN_FETCH_MAX_BYTES: integer(
    'function',
    1024 * 1024 * 1024,
    'largest DAG a pin-by-CID fetches; a larger one fails for good',
  ),
  PIN_FETCH_TIMEOUT_SECONDS: integer(
    'function',
    600,
    'deadline of one pin-by-CID fetch over all its gateways',
    { max: 840, maxWhy: 'the pin worker runs at most 900 seconds' },
  ),
  PIN_FETCH_RETRIES: integer(
    'function',
    4,
    'times the pin-status cron retries a pin-by-CID fetch that found nothing, waiting 5 minutes, then 4x longer each time',
    { min: 0 },
  ),
  PIN_FAILED_GRACE_HOURS: integer(
    'function',
    24,
    'hours a `failed` pin may still be retried by the pin-status cron before it is final',
    { min: 0 },
  ),
  PIN_RETRY_BACKOFF_SECONDS: integer(
    'function',
    30,
    'wait before a pin message that failed transiently (a provider or gateway down) is retried; each retry waits 4x longer, and the third failure moves it to the dead-letter queue',
  ),
  CHAINS: setting({
    scope: 'function',
    default: undefined,
    shownDefault: 'unset (no chain is scanned)',
    description:
      'chains the scraper scans for NFTs, a JSON array (see Chain scraper); `rpcUrl` may name a secret',
    schema: chains,
    secrets: chainSecrets,
  }),
  METADATA_RETRY_SECONDS: integer(
    'function',
    60,
    'wait before the scraper reads token metadata again after a failed read (x4 per failure, at most a day)',
  ),
  METADATA_ATTEMPTS: integer(
    'function',
    8,
    'failed metadata reads after which the scraper records the metadata as `failed`',
    { max: 100 },
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
      'public origin of the IPFS gateway (`https://host`): the provider address in routing, IPNI ads, remote pins, `delegates`',
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
    else {
      const issue = parsed.error.issues[0];
      const where = issue?.path.length ? `${issue.path.join('.')}: ` : '';
      problems.push(`${name}=${JSON.stringify(raw.slice(0, 80))}: ${where}${issue?.message}`);
    }
  }
  if (problems.length > 0) throw new SettingsError(`Invalid settings: ${problems.join('; ')}`);
  return values as SettingValues<S>;
}

/**
 * The text form of a value, as an environment variable carries it: lists of text
 * comma-separated (IPFS_GATEWAYS), other structured values as JSON (PIN_PROVIDERS).
 */
export const settingText = (value: unknown): string => {
  if (Array.isArray(value) && value.every((item) => typeof item === 'string')) {
    return value.length === 0 ? 'none' : value.join(',');
  }
  return typeof value === 'object' && value !== null ? JSON.stringify(value) : String(value);
};
