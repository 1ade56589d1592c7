/**
 * Requests to the API and to presigned S3 URLs: web-standard fetch, retried with backoff on
 * 429 (honouring Retry-After), 5xx and broken connections — never on other 4xx, which a retry
 * cannot change.
 */

/** Throttles requests to the API (nft.storage's client takes one too). */
export type RateLimiter = () => Promise<void>;

export interface HttpOptions {
  fetch: typeof fetch;
  maxRetries: number;
  /** Milliseconds before the first retry; doubled each time, with jitter. */
  retryDelayMs: number;
  signal?: AbortSignal | undefined;
}

/** An error the API (or S3) answered: its status and, from the API, its error code. */
export class HttpError extends Error {
  override name = 'HttpError';
  readonly status: number;
  readonly code: string | undefined;
  constructor(message: string, status: number, code?: string) {
    super(message);
    this.status = status;
    this.code = code;
  }
}

const retryable = (status: number) => status === 429 || status >= 500;

const sleep = (ms: number, signal?: AbortSignal) =>
  new Promise<void>((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const timer = setTimeout(resolve, ms);
    signal?.addEventListener(
      'abort',
      () => {
        clearTimeout(timer);
        reject(signal.reason);
      },
      { once: true },
    );
  });

function delayFor(response: Response | undefined, attempt: number, base: number): number {
  const retryAfter = Number(response?.headers.get('retry-after'));
  if (Number.isFinite(retryAfter) && retryAfter > 0) return retryAfter * 1000;
  return base * 2 ** attempt * (0.5 + Math.random() / 2);
}

/**
 * Sends a request (made afresh for each attempt: a body stream cannot be sent twice) until it
 * answers something other than 429 or 5xx, or the retries run out.
 */
export async function send(
  request: () => { url: string; init: RequestInit },
  options: HttpOptions,
  before?: RateLimiter,
): Promise<Response> {
  for (let attempt = 0; ; attempt++) {
    await before?.();
    const { url, init } = request();
    let response: Response | undefined;
    try {
      response = await options.fetch(url, { ...init, signal: options.signal ?? null });
    } catch (error) {
      if (options.signal?.aborted || attempt >= options.maxRetries) throw error;
      await sleep(delayFor(undefined, attempt, options.retryDelayMs), options.signal);
      continue;
    }
    if (!retryable(response.status) || attempt >= options.maxRetries) return response;
    await response.body?.cancel();
    await sleep(delayFor(response, attempt, options.retryDelayMs), options.signal);
  }
}

/** The value of an API answer's envelope, or its error thrown as an HttpError. */
export async function envelopeValue<T>(response: Response): Promise<T> {
  const text = await response.text();
  let body: { ok?: boolean; value?: T; error?: { code?: string; message?: string } } | undefined;
  try {
    body = JSON.parse(text);
  } catch {
    body = undefined;
  }
  if (response.ok && body?.ok) return body.value as T;
  const message = body?.error?.message ?? (text.slice(0, 200) || response.statusText);
  throw new HttpError(message, response.status, body?.error?.code);
}

/** At most `requests` per `periodMs`, as nft.storage's client does by default. */
export function createRateLimiter(requests = 30, periodMs = 10_000): RateLimiter {
  const sent: number[] = [];
  return async () => {
    for (;;) {
      const now = Date.now();
      while (sent.length > 0 && (sent[0] as number) <= now - periodMs) sent.shift();
      if (sent.length < requests) {
        sent.push(now);
        return;
      }
      await sleep((sent[0] as number) + periodMs - now);
    }
  };
}
