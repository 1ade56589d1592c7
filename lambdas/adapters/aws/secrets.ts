/**
 * Provider credentials, read where PIN_PROVIDERS says they are: an environment variable
 * (locally), a Secrets Manager secret or an SSM parameter (deployed; the stack grants read on
 * exactly the ones named). Each is read once per container and kept for a while, so a rotated
 * secret is picked up without a redeploy.
 *
 * Both services speak AWS JSON 1.1; a signed POST each is all it takes, which keeps their SDK
 * clients out of the function bundles.
 */
import { createHash, createHmac } from 'node:crypto';
import { fromEnv } from '@aws-sdk/credential-provider-env';
import { SignatureV4 } from '@smithy/signature-v4';
import type { CredentialRef } from '../../../system/pin-providers.ts';

/** How long a read secret is kept before it is read again. */
export const CREDENTIAL_TTL_MS = 10 * 60_000;

export interface SecretsOptions {
  region: string;
  env?: NodeJS.ProcessEnv;
  /** Endpoints to use instead of AWS's (tests). */
  endpoints?: { secretsmanager?: string; ssm?: string };
}

/** A SHA-256 (or HMAC-SHA-256, given a secret) in the shape the signer takes. */
type Data = string | ArrayBuffer | ArrayBufferView;
const bytesOf = (data: Data) =>
  typeof data === 'string'
    ? data
    : ArrayBuffer.isView(data)
      ? new Uint8Array(data.buffer, data.byteOffset, data.byteLength)
      : new Uint8Array(data);

class Sha256 {
  #hash: ReturnType<typeof createHash> | ReturnType<typeof createHmac>;
  readonly #secret: Uint8Array | string | undefined;
  constructor(secret?: Data) {
    this.#secret = secret === undefined ? undefined : bytesOf(secret);
    this.#hash = this.#create();
  }
  #create() {
    return this.#secret === undefined ? createHash('sha256') : createHmac('sha256', this.#secret);
  }
  update(data: Data) {
    this.#hash.update(bytesOf(data));
  }
  async digest(): Promise<Uint8Array> {
    return new Uint8Array(this.#hash.digest());
  }
  reset() {
    this.#hash = this.#create();
  }
}

export function credentialReader(options: SecretsOptions) {
  const env = options.env ?? process.env;
  const cache = new Map<string, { value: string; until: number }>();
  const signers = new Map<string, SignatureV4>();
  const signer = (service: string) => {
    let found = signers.get(service);
    if (!found) {
      found = new SignatureV4({
        service,
        region: options.region,
        credentials: fromEnv(),
        sha256: Sha256,
      });
      signers.set(service, found);
    }
    return found;
  };

  const call = async (service: 'secretsmanager' | 'ssm', target: string, payload: unknown) => {
    const endpoint = new URL(
      options.endpoints?.[service] ?? `https://${service}.${options.region}.amazonaws.com/`,
    );
    const body = JSON.stringify(payload);
    const signed = await signer(service).sign({
      method: 'POST',
      protocol: endpoint.protocol,
      hostname: endpoint.hostname,
      ...(endpoint.port ? { port: Number(endpoint.port) } : {}),
      path: endpoint.pathname,
      headers: {
        host: endpoint.host,
        'content-type': 'application/x-amz-json-1.1',
        'x-amz-target': target,
      },
      body,
    });
    const response = await fetch(endpoint, {
      method: 'POST',
      headers: signed.headers as Record<string, string>,
      body,
      signal: AbortSignal.timeout(10_000),
    });
    const text = await response.text();
    if (!response.ok) {
      const type =
        (JSON.parse(text || '{}') as { __type?: string }).__type ?? `HTTP ${response.status}`;
      throw new Error(`${target} failed: ${type}`);
    }
    return JSON.parse(text) as Record<string, unknown>;
  };

  const read = async (ref: CredentialRef): Promise<string> => {
    if ('env' in ref) {
      const value = env[ref.env];
      if (!value) throw new Error(`the credential variable ${ref.env} is not set`);
      return value;
    }
    if ('secret' in ref) {
      const answer = await call('secretsmanager', 'secretsmanager.GetSecretValue', {
        SecretId: ref.secret,
      });
      if (typeof answer.SecretString !== 'string')
        throw new Error('the secret has no SecretString');
      return answer.SecretString;
    }
    const answer = await call('ssm', 'AmazonSSM.GetParameter', {
      Name: ref.ssm,
      WithDecryption: true,
    });
    const value = (answer.Parameter as { Value?: unknown } | undefined)?.Value;
    if (typeof value !== 'string') throw new Error('the parameter has no value');
    return value;
  };

  /** The credential's value, from the cache while it is fresh. */
  return async (ref: CredentialRef): Promise<string> => {
    const key = JSON.stringify(ref);
    const cached = cache.get(key);
    if (cached && cached.until > Date.now()) return cached.value;
    const value = (await read(ref)).trim();
    cache.set(key, { value, until: Date.now() + CREDENTIAL_TTL_MS });
    return value;
  };
}
