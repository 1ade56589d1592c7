/**
 * What each API function's routes need — its ports and its settings, kept apart — and the
 * shared request steps (authentication with rate limit, CID parameters). Built once per
 * container by the handler (the composition root).
 */
import { type ContentId, parseContentId } from '../codecs/cid.ts';
import { admit, authorize, type Principal, verifyToken } from '../core/auth.ts';
import { expectOk, FailureError, failure } from '../core/failures.ts';
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
import type { Config } from '../shared/config.ts';
import type { RouteContext } from './router.ts';

export interface PublicDeps {
  ports: { contents: ContentStore };
  settings: Pick<Config, 'PINSTACK_VERSION' | 'PINSTACK_COMMIT'>;
}

export interface ReadPorts {
  contents: ContentStore;
  uploads: UploadStore;
  tokens: TokenStore;
  users: UserStore;
  counters: CounterStore;
  staged: StagedUploadStore;
  clock: Clock;
}

export type ReadSettings = PublicDeps['settings'] &
  Pick<Config, 'RATE_LIMIT_REQUESTS' | 'RATE_LIMIT_WINDOW_SECONDS'>;

export interface ReadDeps {
  ports: ReadPorts;
  settings: ReadSettings;
}

export interface WriteDeps {
  ports: ReadPorts & UploadPorts & { presigner: UploadPresigner };
  settings: ReadSettings &
    Pick<
      Config,
      | 'MAX_INLINE_UPLOAD_BYTES'
      | 'UNPIN_GRACE_DAYS'
      | 'MAX_STAGED_UPLOAD_BYTES'
      | 'STAGED_URL_LIFETIME_SECONDS'
    >;
}

const rateLimitOf = (settings: ReadSettings) => ({
  requests: settings.RATE_LIMIT_REQUESTS,
  windowSeconds: settings.RATE_LIMIT_WINDOW_SECONDS,
});

/** Authenticates the bearer token, then counts the request against the token's rate limit. */
export async function authorizeRequest({
  deps,
  request,
}: RouteContext<ReadDeps>): Promise<Principal> {
  return expectOk(
    await authorize(request.headers.authorization, rateLimitOf(deps.settings), deps.ports),
  );
}

/**
 * Like authorizeRequest, and runs `work` (e.g. packing the body) while the request is being
 * admitted: once the token is verified, CPU work overlaps the user and rate-limit round trip
 * instead of following it. Anonymous requests cost nothing, and auth failures answer first.
 */
export async function authorizeAlongside<T>(
  { deps, request }: RouteContext<ReadDeps>,
  work: () => Promise<T>,
): Promise<[Principal, T]> {
  const token = expectOk(await verifyToken(request.headers.authorization, deps.ports.tokens));
  const [admitted, done] = await Promise.allSettled([
    admit(token, rateLimitOf(deps.settings), deps.ports),
    work(),
  ]);
  if (admitted.status === 'rejected') throw admitted.reason;
  const principal = expectOk(admitted.value);
  if (done.status === 'rejected') throw done.reason;
  return [principal, done.value];
}

/** A CID path parameter, or the 400 `ERROR_INVALID_CID` failure. */
export function contentIdOf(raw: string): ContentId {
  const id = parseContentId(raw);
  if (!id) throw new FailureError(failure.invalidCid(raw));
  return id;
}
