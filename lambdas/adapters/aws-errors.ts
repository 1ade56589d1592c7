/**
 * Classifies AWS SDK errors for the adapters: throttling, timeouts, 5xx answers and broken
 * connections mean a dependency is unavailable — reported as the domain's StorageUnavailable,
 * with the SDK error as its cause, never as "not found". Answers the adapters interpret
 * themselves (a failed condition, a missing key) pass through unchanged.
 */
import { FailureError, failure } from '../core/failures.ts';

const UNAVAILABLE_NAMES =
  /Throttl|ProvisionedThroughputExceeded|RequestLimitExceeded|ServiceUnavailable|TimeoutError|SlowDown|InternalServerError|InternalError|RequestTimeout/;
const CONNECTION_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'ENOTFOUND',
  'EAI_AGAIN',
  'UND_ERR_SOCKET',
]);

/** Throttling, timeouts, 5xx from AWS and broken connections: the dependency, not the request. */
export function isUnavailable(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  const status = (error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
  const code = (error as { code?: string }).code ?? '';
  return (
    (status !== undefined && status >= 500) ||
    UNAVAILABLE_NAMES.test(error.name) ||
    CONNECTION_CODES.has(code) ||
    (error.cause instanceof Error && isUnavailable(error.cause))
  );
}

/** The error to rethrow: StorageUnavailable for an unavailable dependency, else the error. */
export function storageError(error: unknown, service: string): unknown {
  if (error instanceof FailureError || !isUnavailable(error)) return error;
  return new FailureError(failure.storageUnavailable(error, service));
}

interface MiddlewareClient {
  middlewareStack: {
    add(
      middleware: (
        next: (args: unknown) => Promise<unknown>,
      ) => (args: unknown) => Promise<unknown>,
      options: { step: 'initialize'; name: string; override: boolean; priority: 'high' },
    ): void;
  };
}

/**
 * Makes every call of an SDK client report an unavailable dependency as StorageUnavailable.
 * It wraps the whole call, the SDK's own retries included, so only their final outcome counts.
 */
export function reportUnavailable<C extends object>(client: C, service: string): C {
  (client as unknown as MiddlewareClient).middlewareStack.add(
    (next) => async (args) => {
      try {
        return await next(args);
      } catch (error) {
        throw storageError(error, service);
      }
    },
    { step: 'initialize', name: 'pinstackStorageErrors', override: true, priority: 'high' },
  );
  return client;
}
