/**
 * Reading the provider key's text: from Secrets Manager on AWS (the stack creates the secret;
 * its value never appears in the template or the environment, only its ARN does), or from a
 * file locally (created in the data dir on the local stack's first start).
 *
 * Secrets Manager is called as its JSON API with a SigV4-signed request (the SDK's own signer):
 * one GetSecretValue at cold start does not warrant another SDK client in the bundle.
 * TODO(deps): with @aws-sdk/client-secrets-manager installed, this becomes a GetSecretValueCommand.
 */
import { createHash, createHmac } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { fromEnv } from '@aws-sdk/credential-provider-env';
import { SignatureV4 } from '@smithy/signature-v4';
import { FailureError, failure } from '../../core/failures.ts';

/** The SHA-256 (and HMAC-SHA-256) the signer needs, from node:crypto. */
export class Sha256 {
  private hash: ReturnType<typeof createHash> | ReturnType<typeof createHmac>;
  private readonly secret?: Uint8Array;

  constructor(secret?: string | ArrayBuffer | ArrayBufferView) {
    this.secret = secret === undefined ? undefined : toBytes(secret);
    this.hash = this.fresh();
  }

  private fresh() {
    return this.secret ? createHmac('sha256', this.secret) : createHash('sha256');
  }

  update(data: string | ArrayBuffer | ArrayBufferView): void {
    this.hash.update(toBytes(data));
  }

  async digest(): Promise<Uint8Array> {
    return new Uint8Array(this.hash.digest());
  }

  reset(): void {
    this.hash = this.fresh();
  }
}

function toBytes(data: string | ArrayBuffer | ArrayBufferView): Uint8Array {
  if (typeof data === 'string') return new TextEncoder().encode(data);
  if (ArrayBuffer.isView(data))
    return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  return new Uint8Array(data);
}

export class SecretUnreadable extends Error {
  override name = 'SecretUnreadable';
}

/**
 * The SecretString of a Secrets Manager secret. `endpoint` overrides
 * `https://secretsmanager.<region>.amazonaws.com` (PINSTACK_SECRETSMANAGER_ENDPOINT).
 */
export async function readSecretString(
  secretId: string,
  options: { region: string; endpoint?: string },
): Promise<string> {
  const url = new URL(
    options.endpoint ?? `https://secretsmanager.${options.region}.amazonaws.com/`,
  );
  const body = JSON.stringify({ SecretId: secretId });
  const signer = new SignatureV4({
    service: 'secretsmanager',
    region: options.region,
    credentials: fromEnv(),
    sha256: Sha256,
  });
  const signed = await signer.sign({
    method: 'POST',
    protocol: url.protocol,
    hostname: url.hostname,
    ...(url.port ? { port: Number(url.port) } : {}),
    path: url.pathname,
    query: {},
    headers: {
      host: url.host,
      'content-type': 'application/x-amz-json-1.1',
      'x-amz-target': 'secretsmanager.GetSecretValue',
    },
    body,
  });
  let response: Response;
  try {
    response = await fetch(url, {
      method: 'POST',
      headers: signed.headers as Record<string, string>,
      body,
      signal: AbortSignal.timeout(10_000),
    });
  } catch (error) {
    // No answer at all (refused, reset, timed out): the service, not the request.
    throw new FailureError(failure.storageUnavailable(error, 'Secrets Manager'));
  }
  const text = await response.text();
  if (response.status >= 500 || response.status === 429) {
    const cause = new Error(`Secrets Manager answered ${response.status}: ${text.slice(0, 200)}`);
    throw new FailureError(failure.storageUnavailable(cause, 'Secrets Manager'));
  }
  if (response.status !== 200) {
    throw new SecretUnreadable(
      `Secrets Manager answered ${response.status}: ${text.slice(0, 200)}`,
    );
  }
  const secret = (JSON.parse(text) as { SecretString?: unknown }).SecretString;
  if (typeof secret !== 'string') throw new SecretUnreadable(`${secretId} has no SecretString`);
  return secret;
}

/** The provider key's text, from its file (local) or its secret (AWS). */
export async function readProviderKeyText(source: {
  file?: string;
  secretArn?: string;
  region: string;
  endpoint?: string;
}): Promise<string> {
  if (source.file) return readFile(source.file, 'utf8');
  if (source.secretArn) {
    return readSecretString(source.secretArn, { region: source.region, endpoint: source.endpoint });
  }
  throw new SecretUnreadable(
    'no provider key: set PROVIDER_KEY_SECRET_ARN (AWS) or PROVIDER_KEY_FILE (local)',
  );
}
