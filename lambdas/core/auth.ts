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
import type { Clock, RateLimitStore, TokenRecord, TokenStore, UserStore } from './ports.ts';
import { err, ok, type Result } from './result.ts';

export interface Principal {
  userId: string;
  tokenId: string;
  tokenName: string;
  /** The token may call admin routes. */
  admin?: true;
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
  ...(token.admin ? { admin: true as const } : {}),
});

/**
 * Admits a verified token's request: its user exists and the token is within its rate limit.
 * The two lookups are independent, so they share one round trip; `recent` is the rate limit's
 * read, when the caller started it already (see authorize).
 */
export async function admit(
  token: TokenRecord,
  limit: RateLimit,
  ports: AuthPorts & RateLimitPorts,
  recent?: Promise<number[]>,
): Promise<Result<Principal, AuthFailure | RateLimited>> {
  const [user, allowed] = await Promise.all([
    ports.users.get(token.userId),
    checkRateLimit(token.tokenId, limit, ports, recent),
  ]);
  if (!user) return err(failure.unknownUser());
  if (!allowed.ok) return allowed;
  return ok(principalOf(token));
}

/**
 * Authentication, then admission (user and rate limit). The rate limit's read of recent use
 * needs only the token's id, so it goes out with the token lookup; nothing is written before
 * the token is verified.
 */
export async function authorize(
  authorization: string | undefined,
  limit: RateLimit,
  ports: AuthPorts & RateLimitPorts,
): Promise<Result<Principal, AuthFailure | RateLimited>> {
  const bearer = readBearer(authorization);
  if (!bearer.ok) return bearer;
  const recent = recentUse(bearer.value.tokenId, limit, ports);
  recent.catch(() => {}); // Reported by admit when it is used.
  const token = await lookUpToken(bearer.value, ports.tokens);
  if (!token.ok) return token;
  return admit(token.value, limit, ports, recent);
}

export interface RateLimitPorts {
  rateLimits: RateLimitStore;
  clock: Clock;
}

export interface RateLimit {
  requests: number;
  windowSeconds: number;
}

/** A window is counted in this many buckets, plus the bucket now under way. */
const BUCKETS_PER_WINDOW = 10;

function buckets(limit: RateLimit, now: Date) {
  const bucketSeconds = Math.max(1, Math.ceil(limit.windowSeconds / BUCKETS_PER_WINDOW));
  const span = Math.ceil(limit.windowSeconds / bucketSeconds);
  const current = Math.floor(now.getTime() / 1000 / bucketSeconds);
  return { bucketSeconds, span, current, key: (tokenId: string) => `${tokenId}#${bucketSeconds}` };
}

/** The counts of the buckets before the current one that a window covers, oldest first. */
export function recentUse(tokenId: string, limit: RateLimit, ports: RateLimitPorts) {
  const { span, current, key } = buckets(limit, ports.clock.now());
  return ports.rateLimits.counts(key(tokenId), current - span, span);
}

/**
 * A sliding-window limit per token, kept in the table so it holds across any number of
 * Lambdas: a request is admitted while the current bucket and the window's worth of buckets
 * before it hold fewer than the limit. Any span of one window length lies within those
 * buckets, so no span ever sees more than the limit (at the price of counting up to one bucket,
 * a tenth of the window, more than the window). Buckets expire by TTL once out of reach.
 */
export async function checkRateLimit(
  tokenId: string,
  limit: RateLimit,
  ports: RateLimitPorts,
  recent: Promise<number[]> = recentUse(tokenId, limit, ports),
): Promise<Result<void, RateLimited>> {
  const now = ports.clock.now();
  const { bucketSeconds, span, current, key } = buckets(limit, now);
  const counts = await recent;
  const budget = limit.requests - counts.reduce((sum, count) => sum + count, 0);
  const expiresAt = (current + span + 2) * bucketSeconds;
  if (budget > 0 && (await ports.rateLimits.take(key(tokenId), current, budget, expiresAt))) {
    return ok(undefined);
  }
  // Room comes back when the oldest bucket in use leaves the window (or the current one does).
  const oldestUsed = counts.findIndex((count) => count > 0);
  const leaving = oldestUsed < 0 ? current : current - span + oldestUsed;
  const freeAtSeconds = (leaving + span + 1) * bucketSeconds;
  return err(failure.rateLimited(Math.max(1, Math.ceil(freeAtSeconds - now.getTime() / 1000))));
}
