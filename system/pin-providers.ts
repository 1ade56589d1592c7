/**
 * The pinning providers a deployment pushes its content to, as the `PIN_PROVIDERS` setting
 * describes them (a JSON list), and the trustless gateways pin-by-CID fetches from. Read by the
 * functions (which talk to the providers) and by the CDK stack (which grants read access to the
 * secrets the list names). A provider entry names its credential; it never holds one.
 */
import * as z from 'zod/mini';

export const PROVIDER_KINDS = ['kubo', 'cluster', 'psa'] as const;
export type ProviderKind = (typeof PROVIDER_KINDS)[number];

/**
 * Where a provider's credential lives. Its value is `basic:<user>:<password>`,
 * `bearer:<token>`, or a bare token (sent as a bearer token).
 */
export const CredentialRef = z.union([
  /** An environment variable (the local stack, tests). */
  z.strictObject({ env: z.string().check(z.regex(/^[A-Za-z_][A-Za-z0-9_]*$/)) }),
  /** A Secrets Manager secret, by name or ARN (its SecretString is the value). */
  z.strictObject({ secret: z.string().check(z.minLength(1), z.maxLength(2048)) }),
  /** An SSM parameter, by name (`/pinstack/pinata`) or ARN; a SecureString is decrypted. */
  z.strictObject({ ssm: z.string().check(z.minLength(1), z.maxLength(2048)) }),
]);
export type CredentialRef = z.infer<typeof CredentialRef>;

/** A provider's name: part of DynamoDB attribute names and of what `GET /{cid}` shows. */
export const PROVIDER_NAME = /^[a-z0-9][a-z0-9-]{0,31}$/;

export const ProviderSpec = z.strictObject({
  name: z.string().check(z.regex(PROVIDER_NAME, 'must be 1-32 of a-z, 0-9 and -')),
  kind: z.enum(PROVIDER_KINDS),
  /**
   * Kubo: the RPC API (`http://host:5001`); IPFS Cluster: the REST API (`http://host:9094`);
   * a Pinning Service API: its endpoint without `/pins` (`https://api.pinata.cloud/psa`).
   */
  url: z.url({ protocol: /^https?$/ }),
  credential: z.optional(CredentialRef),
});
export type ProviderSpec = z.infer<typeof ProviderSpec>;

export const MAX_PROVIDERS = 8;

export const ProviderList = z.array(ProviderSpec).check(
  z.maxLength(MAX_PROVIDERS),
  z.refine((list) => new Set(list.map((p) => p.name)).size === list.length, {
    message: 'provider names must be unique',
  }),
);

/** `PIN_PROVIDERS` as text: a JSON list of providers. */
export const ProviderListText = z.pipe(
  z.string(),
  z.transform((text, ctx): ProviderSpec[] => {
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch {
      ctx.issues.push({
        code: 'custom',
        message: 'must be JSON (a list of providers)',
        input: text,
      });
      return z.NEVER;
    }
    const parsed = z.safeParse(ProviderList, value);
    if (parsed.success) return parsed.data;
    const issue = parsed.error.issues[0];
    const where = issue?.path.map(String).join('.') || 'list';
    ctx.issues.push({ code: 'custom', message: `${where}: ${issue?.message}`, input: text });
    return z.NEVER;
  }),
);

/** Public gateways that answer trustless `?format=car` requests: the deployed default. */
export const PUBLIC_TRUSTLESS_GATEWAYS = [
  'https://trustless-gateway.link',
  'https://ipfs.io',
  'https://dweb.link',
] as const;

/** `IPFS_GATEWAYS` as text: comma-separated http(s) URLs, or `none`. */
export const GatewayListText = z.pipe(
  z.string(),
  z.transform((text, ctx) => {
    if (text.trim() === 'none') return [] as string[];
    const urls = text
      .split(',')
      .map((part) => part.trim())
      .filter(Boolean);
    for (const url of urls) {
      if (!z.safeParse(z.url({ protocol: /^https?$/ }), url).success) {
        ctx.issues.push({ code: 'custom', message: `${url} is not an http(s) URL`, input: text });
        return z.NEVER;
      }
    }
    return urls.map((url) => url.replace(/\/+$/, ''));
  }),
);
