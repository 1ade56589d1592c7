/**
 * What each API function's routes need — its ports and its settings, kept apart — and the
 * shared request steps (authentication with rate limit, CID parameters). Built once per
 * container by the handler (the composition root).
 */
import { type ContentId, parseContentId } from '../codecs/cid.ts';
import { admit, authorize, lookUpToken, type Principal, readBearer } from '../core/auth.ts';
import { expectOk, FailureError, failure } from '../core/failures.ts';
import type {
  BlobStore,
  Clock,
  ContentCheckReader,
  ContentStore,
  DealStore,
  NftStore,
  OpsStore,
  PinRequestStore,
  QueueInspector,
  RateLimitStore,
  StagedUploadStore,
  StagingArea,
  StatsStore,
  TokenStore,
  UploadStore,
  UserStore,
} from '../core/ports.ts';
import type { UploadPorts } from '../core/uploads.ts';
import type { Config } from '../shared/config.ts';
import type { RouteContext } from './router.ts';

export interface PublicDeps {
  ports: {
    checks: ContentCheckReader;
    stats: Pick<StatsStore, 'shards'>;
    clock: Clock;
  };
  settings: Pick<
    Config,
    'PINSTACK_VERSION' | 'PINSTACK_COMMIT' | 'STATS_CACHE_SECONDS' | 'PROVIDER_PEER_ID'
  >;
}

export interface ReadPorts {
  contents: ContentStore;
  deals: DealStore;
  checks: ContentCheckReader;
  stats: StatsStore;
  nfts: Pick<NftStore, 'get'>;
  /** Read only here: long file lists are stored beside the CARs. */
  carpark: BlobStore;
  uploads: UploadStore;
  tokens: TokenStore;
  users: UserStore;
  rateLimits: RateLimitStore;
  staged: StagedUploadStore;
  /** Read here to list a multipart upload's parts; written by api-write. */
  staging: StagingArea;
  pinRequests: PinRequestStore;
  clock: Clock;
}

export type ReadSettings = PublicDeps['settings'] &
  Pick<
    Config,
    | 'RATE_LIMIT_REQUESTS'
    | 'RATE_LIMIT_WINDOW_SECONDS'
    // Quoted by the OpenAPI document it serves.
    | 'MAX_INLINE_UPLOAD_BYTES'
    | 'MAX_STAGED_UPLOAD_BYTES'
    | 'METRICS_TOKEN'
    | 'STAGED_PART_BYTES'
    // The Pinning Service API's delegates.
    | 'GATEWAY_PUBLIC_URL'
    | 'PROVIDER_PEER_ID'
  >;

export interface ReadDeps {
  /** And the edges' records and the queues' depths, for /status and /metrics. */
  ports: ReadPorts & { ops: OpsStore; queues: QueueInspector };
  settings: ReadSettings;
}

/** What authenticating a request needs: any API function's deps have it. */
interface AuthDeps {
  ports: Pick<ReadPorts, 'tokens' | 'users' | 'rateLimits' | 'clock'>;
  settings: ReadSettings;
}

export interface WriteDeps {
  ports: ReadPorts & UploadPorts;
  settings: ReadSettings &
    Pick<Config, 'UNPIN_GRACE_DAYS' | 'STAGED_URL_LIFETIME_SECONDS' | 'PIN_PROVIDERS'>;
}

const rateLimitOf = (settings: AuthDeps['settings']) => ({
  requests: settings.RATE_LIMIT_REQUESTS,
  windowSeconds: settings.RATE_LIMIT_WINDOW_SECONDS,
});

/** Authenticates the bearer token, then counts the request against the token's rate limit. */
export async function authorizeRequest({
  deps,
  request,
}: RouteContext<AuthDeps>): Promise<Principal> {
  return expectOk(
    await authorize(request.headers.authorization, rateLimitOf(deps.settings), deps.ports),
  );
}

/**
 * Like authorizeRequest, and runs `work` (e.g. packing the body) while the request is being
 * authorized: the CPU work overlaps the token, user and rate-limit round trips instead of
 * following them. A request without a well-formed bearer token costs nothing (it is answered
 * before any I/O or work); auth failures answer first, whatever the work does.
 */
export async function authorizeAlongside<T>(
  { deps, request }: RouteContext<AuthDeps>,
  work: () => Promise<T>,
): Promise<[Principal, T]> {
  const bearer = expectOk(readBearer(request.headers.authorization));
  const lookup = lookUpToken(bearer, deps.ports.tokens);
  // The work starts on the next turn of the event loop, once the lookup is on its way.
  const working = new Promise<void>((resolve) => setImmediate(resolve)).then(work);
  working.catch(() => {}); // Its failure, if any, is reported below, after authorization.
  const token = expectOk(await lookup);
  const principal = expectOk(await admit(token, rateLimitOf(deps.settings), deps.ports));
  return [principal, await working];
}

/** Like authorizeRequest, for an admin route: a valid key without the admin flag is 403. */
export async function authorizeAdmin(context: RouteContext<AuthDeps>): Promise<Principal> {
  const principal = await authorizeRequest(context);
  if (!principal.admin) {
    throw new FailureError(failure.forbidden('This API key may not call admin routes'));
  }
  return principal;
}

/** A CID path parameter, or the 400 `ERROR_INVALID_CID` failure. */
export function contentIdOf(raw: string): ContentId {
  const id = parseContentId(raw);
  if (!id) throw new FailureError(failure.invalidCid(raw));
  return id;
}
