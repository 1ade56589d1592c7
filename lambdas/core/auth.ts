/** Bearer-token authentication and per-token rate limiting. */
import { type ParsedToken, parseToken, secretMatches } from '../codecs/token.ts';
import {
  type AuthFailure,
  failure,
  type MalformedToken,
  type MissingToken,
  type RateLimited,
  type UnknownToken,
} from './failures.ts';
import type { Clock, CounterStore, TokenRecord, TokenStore, UserStore } from './ports.ts';
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

/** The bearer token's record, if the header carries a known, live token with its secret. */
export async function verifyToken(
  authorization: string | undefined,
  tokens: TokenStore,
): Promise<Result<TokenRecord, Exclude<AuthFailure, { name: 'UnknownUser' }>>> {
  const bearer = readBearer(authorization);
  return bearer.ok ? lookUpToken(bearer.value, tokens) : bearer;
}

/** The bearer token of an Authorization header, if it has the token format (no I/O). */
export function readBearer(
  authorization: string | undefined,
): Result<ParsedToken, MissingToken | MalformedToken> {
  const match = /^Bearer\s+(\S+)\s*$/i.exec(authorization ?? '');
  if (!match?.[1]) return err(failure.missingToken());
  const parsed = parseToken(match[1]);
  return parsed ? ok(parsed) : err(failure.malformedToken());
}

/** The token's record, if it is known, live, and its secret matches. */
export async function lookUpToken(
  parsed: ParsedToken,
  tokens: TokenStore,
): Promise<Result<TokenRecord, UnknownToken>> {
  const token = await tokens.get(parsed.tokenId);
  if (!token || token.revoked || !secretMatches(parsed.secret, token.secretHash)) {
    return err(failure.unknownToken());
  }
  return ok(token);
}

const principalOf = (token: TokenRecord): Principal => ({
  userId: token.userId,
  tokenId: token.tokenId,
  tokenName: token.name,
});

/**
 * Admits a verified token's request: its user exists and the token is within its rate limit.
 * The two lookups are independent, so they share one round trip.
 */
export async function admit(
  token: TokenRecord,
  limit: RateLimit,
  ports: AuthPorts & RateLimitPorts,
): Promise<Result<Principal, AuthFailure | RateLimited>> {
  const [user, allowed] = await Promise.all([
    ports.users.get(token.userId),
    checkRateLimit(token.tokenId, limit, ports),
  ]);
  if (!user) return err(failure.unknownUser());
  if (!allowed.ok) return allowed;
  return ok(principalOf(token));
}

/** Authentication, then admission (user and rate limit). */
export async function authorize(
  authorization: string | undefined,
  limit: RateLimit,
  ports: AuthPorts & RateLimitPorts,
): Promise<Result<Principal, AuthFailure | RateLimited>> {
  const token = await verifyToken(authorization, ports.tokens);
  if (!token.ok) return token;
  return admit(token.value, limit, ports);
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
): Promise<Result<void, RateLimited>> {
  const nowSeconds = ports.clock.now().getTime() / 1000;
  const windowStart = Math.floor(nowSeconds / limit.windowSeconds) * limit.windowSeconds;
  const windowEnd = windowStart + limit.windowSeconds;
  const count = await ports.counters.increment(
    `${tokenId}#${windowStart}`,
    windowEnd + limit.windowSeconds,
  );
  if (count <= limit.requests) return ok(undefined);
  return err(failure.rateLimited(Math.max(1, Math.ceil(windowEnd - nowSeconds))));
}
