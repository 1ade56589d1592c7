/**
 * What each API function's routes need, and the shared request steps (auth + rate limit,
 * CID parameters). Built once per container by the handler (the composition root).
 */
import { type ContentId, parseContentId } from '../codecs/cid.ts';
import { admit, authorize, type Principal, type RateLimit, verifyToken } from '../core/auth.ts';
import { failures } from '../core/errors.ts';
import type {
  Clock,
  ContentStore,
  CounterStore,
  StagedUploadStore,
  TokenStore,
  UploadPresigner,
  UploadStore,
  UserStore,
} from '../core/ports.ts';
import type { UploadPorts } from '../core/uploads.ts';
import { ApiError, expectOk } from './response.ts';
import type { ApiRequest } from './router.ts';

export interface PublicDeps {
  contents: ContentStore;
  version: { version: string; commit: string };
}

export interface ReadDeps extends PublicDeps {
  uploads: UploadStore;
  tokens: TokenStore;
  users: UserStore;
  counters: CounterStore;
  clock: Clock;
  rateLimit: RateLimit;
  staged: StagedUploadStore;
}

export interface WriteDeps extends ReadDeps, UploadPorts {
  unpinGraceDays: number;
  maxInlineUploadBytes: number;
  presigner: UploadPresigner;
  maxStagedBytes: number;
  urlLifetimeSeconds: number;
}

/** Authenticates the bearer token, then counts the request against the token's rate limit. */
export async function authorizeRequest(request: ApiRequest, deps: ReadDeps): Promise<Principal> {
  return expectOk(await authorize(request.headers.authorization, deps.rateLimit, deps));
}

/**
 * Like authorizeRequest, and runs `work` (e.g. packing the body) while the request is being
 * admitted: once the token is verified, CPU work overlaps the user and rate-limit round trip
 * instead of following it. Anonymous requests cost nothing, and auth failures answer first.
 */
export async function authorizeAlongside<T>(
  request: ApiRequest,
  deps: ReadDeps,
  work: () => Promise<T>,
): Promise<[Principal, T]> {
  const token = expectOk(await verifyToken(request.headers.authorization, deps.tokens));
  const [admitted, done] = await Promise.allSettled([admit(token, deps.rateLimit, deps), work()]);
  if (admitted.status === 'rejected') throw admitted.reason;
  const principal = expectOk(admitted.value);
  if (done.status === 'rejected') throw done.reason;
  return [principal, done.value];
}

export function cidParam(request: ApiRequest): ContentId {
  const raw = request.params.cid ?? '';
  const id = parseContentId(raw);
  if (!id) throw new ApiError(failures.invalidCid(raw));
  return id;
}
