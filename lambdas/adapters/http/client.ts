/**
 * What every HTTP client of pinstack (pinning providers, trustless gateways) shares: requests
 * with a deadline, errors described without the provider's address (pin states are public on
 * `/check`), streamed multipart bodies and NDJSON answers.
 */
import { randomBytes } from 'node:crypto';
import { FailureError, failure } from '../../core/failures.ts';

/** Why a request got no answer, without hosts or URLs: `unreachable (ECONNREFUSED)`, ... */
export function describeNetworkError(error: unknown): string {
  if (error instanceof Error && (error.name === 'TimeoutError' || error.name === 'AbortError')) {
    return 'timed out';
  }
  const cause = (error as { cause?: { code?: string } } | undefined)?.cause;
  const code = cause?.code ?? (error as { code?: string } | undefined)?.code;
  return code ? `unreachable (${code})` : 'unreachable';
}

export interface HttpAnswer {
  status: number;
  headers: Headers;
  body: ReadableStream<Uint8Array> | null;
  text(): Promise<string>;
  json(): Promise<unknown>;
}

/**
 * A request to a provider. No answer (a refused connection, a timeout) is ProviderUnavailable;
 * any answer is returned, for the caller to judge.
 */
export async function providerFetch(
  provider: string,
  url: string,
  init: RequestInit & { timeoutMs: number },
): Promise<Response> {
  const { timeoutMs, ...rest } = init;
  try {
    return await fetch(url, {
      ...rest,
      signal: AbortSignal.timeout(timeoutMs),
      ...(rest.body && typeof rest.body === 'object' && Symbol.asyncIterator in rest.body
        ? { duplex: 'half' }
        : {}),
    } as RequestInit);
  } catch (error) {
    throw new FailureError(failure.providerUnavailable(provider, describeNetworkError(error)));
  }
}

/** An answer a retry may change: throttled, a server error, or credentials refused. */
export const isRetryable = (status: number) =>
  status === 401 ||
  status === 403 ||
  status === 408 ||
  status === 409 ||
  status === 429 ||
  status >= 500;

export function unavailable(provider: string, response: Response, detail = ''): FailureError {
  return new FailureError(
    failure.providerUnavailable(
      provider,
      `answered HTTP ${response.status}${detail ? `: ${detail.slice(0, 200)}` : ''}`,
    ),
  );
}

/** The text of an error answer, bounded, for a message. */
export async function errorText(response: Response): Promise<string> {
  try {
    return (await response.text()).slice(0, 500).replace(/\s+/g, ' ').trim();
  } catch {
    return '';
  }
}

export interface MultipartFile {
  /** The form field (Kubo and IPFS Cluster read every part, whatever its name). */
  field: string;
  filename: string;
  type: string;
  open(): Promise<AsyncIterable<Uint8Array>>;
}

/** A multipart/form-data body that streams each file when its turn comes. */
export function multipartBody(files: readonly MultipartFile[]): {
  contentType: string;
  body: AsyncIterable<Uint8Array>;
} {
  const boundary = `pinstack-${randomBytes(12).toString('hex')}`;
  const encoder = new TextEncoder();
  async function* body() {
    for (const file of files) {
      yield encoder.encode(
        `--${boundary}\r\nContent-Disposition: form-data; name="${file.field}"; filename="${file.filename}"\r\nContent-Type: ${file.type}\r\n\r\n`,
      );
      yield* await file.open();
      yield encoder.encode('\r\n');
    }
    yield encoder.encode(`--${boundary}--\r\n`);
  }
  return { contentType: `multipart/form-data; boundary=${boundary}`, body: body() };
}

/** The JSON values of an NDJSON (or concatenated JSON) answer. */
export function parseJsonLines(text: string): unknown[] {
  const values: unknown[] = [];
  for (const line of text.split('\n')) {
    const trimmed = line.trim();
    if (trimmed) values.push(JSON.parse(trimmed));
  }
  return values;
}

/** The value of a credential as an Authorization header. */
export function authorizationOf(credential: string | undefined): Record<string, string> {
  if (!credential) return {};
  if (credential.startsWith('basic:')) {
    return {
      authorization: `Basic ${Buffer.from(credential.slice('basic:'.length)).toString('base64')}`,
    };
  }
  const token = credential.startsWith('bearer:') ? credential.slice('bearer:'.length) : credential;
  return { authorization: `Bearer ${token}` };
}
