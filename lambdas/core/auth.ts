/** Bearer-token authentication and per-token rate limiting. */
import { parseToken, secretMatches } from '../codecs/token.ts';
import { type ApiFailure, failures } from './errors.ts';
import type { Clock, CounterStore, TokenStore, UserStore } from './ports.ts';
import { err, ok, type Result } from './result.ts';

export interface Principal {
  userId: string;
  tokenId: string;
  tokenName: string;
}

export interface AuthPorts {
  tokens: TokenStore;
  users: UserStore;
}

export async function authenticate(
  authorization: string | undefined,
  ports: AuthPorts,
): Promise<Result<Principal, ApiFailure>> {
  const match = /^Bearer\s+(\S+)\s*$/i.exec(authorization ?? '');
  if (!match?.[1]) return err(failures.expectedBearer());
  const parsed = parseToken(match[1]);
  if (!parsed) return err(failures.malformedToken());
  const token = await ports.tokens.get(parsed.tokenId);
  if (!token || token.revoked || !secretMatches(parsed.secret, token.secretHash)) {
    return err(failures.tokenNotFound());
  }
  const user = await ports.users.get(token.userId);
  if (!user) return err(failures.userNotFound());
  return ok({ userId: token.userId, tokenId: token.tokenId, tokenName: token.name });
}

export interface RateLimitPorts {
  counters: CounterStore;
  clock: Clock;
}

export interface RateLimit {
  requests: number;
  windowSeconds: number;
}

/**
 * Fixed-window counter per token, kept in the table so it holds across any number of Lambdas.
 * The counter item expires (TTL) a window after it closes.
 */
export async function checkRateLimit(
  tokenId: string,
  limit: RateLimit,
  ports: RateLimitPorts,
): Promise<Result<void, ApiFailure>> {
  const nowSeconds = ports.clock.now().getTime() / 1000;
  const windowStart = Math.floor(nowSeconds / limit.windowSeconds) * limit.windowSeconds;
  const windowEnd = windowStart + limit.windowSeconds;
  const count = await ports.counters.increment(`${tokenId}#${windowStart}`, windowEnd + limit.windowSeconds);
  if (count <= limit.requests) return ok(undefined);
  return err(failures.rateLimited(Math.max(1, Math.ceil(windowEnd - nowSeconds))));
}
