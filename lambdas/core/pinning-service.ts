/**
 * The IPFS Pinning Service API over pinstack's uploads. A pin request is an upload of its CID
 * for the token's user (requestPinByCid), plus a request record the API lists and pages: its
 * own name, meta and origins, a request id, and a creation time unique per user. Its status is
 * the content's pin. The upload lives while any pin request of it does.
 *
 * Removing a request marks it deleted, then deletes the upload if it was the user's last
 * request of that CID, then removes the record; the cron finishes what a crash leaves halfway.
 */
import type { PsaPin, PsaPinResults, PsaPinStatus } from '../../contract/pins.ts';
import { type ContentId, parseContentId } from '../codecs/cid.ts';
import { requestIdFor } from '../codecs/request-id.ts';
import type { Principal } from './auth.ts';
import { failure, type InvalidCid, type NotFound } from './failures.ts';
import { type PinByCidPorts, requestPinByCid } from './pin-by-cid.ts';
import type {
  ContentRecord,
  ContentStore,
  PinRequestRecord,
  PinRequestStore,
  PinStatus,
  UploadStore,
} from './ports.ts';
import { err, ok, type Result } from './result.ts';
import { type StatsPorts, settleAll } from './stats.ts';
import { type DeletePorts, deleteUpload, holderOf } from './uploads.ts';

export interface PinningServicePorts extends PinByCidPorts {
  pinRequests: PinRequestStore;
}

export interface PinningServiceSettings {
  UNPIN_GRACE_DAYS: number;
}

/** What the edge adds to every pin object: pinstack's gateway as delegates. */
export interface PinView {
  delegates: string[];
}

const NOT_FOUND = failure.notFound('The specified pin request was not found');

/** Pin requests read per page while filtering and counting. */
const SCAN_PAGE = 200;
/** Attempts at a creation time no other request of the user has (1 ms apart). */
const UNIQUE_CREATED_ATTEMPTS = 100;

export async function addPin(
  principal: Principal,
  pin: PsaPin,
  ports: PinningServicePorts,
  view: PinView,
): Promise<Result<PsaPinStatus, InvalidCid>> {
  const requested = await requestPinByCid(ports, {
    userId: principal.userId,
    cid: pin.cid,
    ...(pin.name !== undefined ? { name: pin.name } : {}),
    origins: pin.origins ?? [],
    ...(pin.meta ? { meta: pin.meta } : {}),
    scope: { tokenId: principal.tokenId, tokenName: principal.tokenName },
  });
  if (!requested.ok) return requested;
  const request = await recordRequest(principal.userId, requested.value.id, pin, ports);
  return ok(statusOf(request, requested.value.content, view));
}

/** The request record, at the first creation time (from now, 1 ms apart) the user has free. */
async function recordRequest(
  userId: string,
  id: ContentId,
  pin: PsaPin,
  ports: PinningServicePorts,
): Promise<PinRequestRecord> {
  let at = ports.clock.now().getTime();
  for (let attempt = 0; attempt < UNIQUE_CREATED_ATTEMPTS; attempt++, at++) {
    const record: PinRequestRecord = {
      requestId: requestIdFor(at),
      userId,
      cid: id.v1,
      sourceCid: pin.cid,
      ...(pin.name !== undefined ? { name: pin.name } : {}),
      origins: [...(pin.origins ?? [])],
      ...(pin.meta ? { meta: { ...pin.meta } } : {}),
      created: new Date(at).toISOString(),
    };
    if (await ports.pinRequests.create(record)) return record;
  }
  throw new Error(`no free creation time for a pin request of ${userId}`);
}

export async function getPin(
  principal: Principal,
  requestId: string,
  ports: Pick<PinningServicePorts, 'pinRequests' | 'contents'>,
  view: PinView,
): Promise<Result<PsaPinStatus, NotFound>> {
  const request = await ports.pinRequests.get(principal.userId, requestId);
  if (!request || request.deleted) return err(NOT_FOUND);
  return ok(statusOf(request, await ports.contents.get(request.cid), view));
}

export interface ListPinsRequest {
  cids?: string[];
  name?: string;
  match: 'exact' | 'iexact' | 'partial' | 'ipartial';
  statuses?: PinStatus[];
  before?: string;
  after?: string;
  limit: number;
  meta?: Record<string, string>;
}

/**
 * The user's pin requests matching every filter, newest first, and how many match in all.
 * With no filter at all only `pinned` ones are listed, as the spec says; a request with any
 * filter (a name, a CID, ...) gets every status it does not exclude.
 */
export async function listPins(
  principal: Principal,
  query: ListPinsRequest,
  ports: Pick<PinningServicePorts, 'pinRequests' | 'contents'>,
  view: PinView,
): Promise<Result<PsaPinResults, InvalidCid>> {
  const unfiltered =
    !query.cids &&
    query.name === undefined &&
    !query.statuses &&
    !query.before &&
    !query.after &&
    !query.meta;
  const statuses = new Set<PinStatus>(query.statuses ?? (unfiltered ? ['pinned'] : []));
  const everyStatus = statuses.size === 0 || statuses.size === 4;
  const matches = requestFilter(query);

  let candidates: AsyncIterable<PinRequestRecord[]>;
  if (query.cids) {
    const ids: string[] = [];
    for (const cid of query.cids) {
      const id = parseContentId(cid);
      if (!id) return err(failure.invalidCid(cid));
      ids.push(id.v1);
    }
    candidates = byCids(principal.userId, [...new Set(ids)], query, ports.pinRequests);
  } else {
    candidates = pages(principal.userId, query, ports.pinRequests);
  }

  const results: { request: PinRequestRecord; content: ContentRecord | undefined }[] = [];
  let count = 0;
  for await (const page of candidates) {
    const matching = page.filter(matches);
    // Statuses are the contents': read those a filter or the page needs.
    const needed = everyStatus
      ? matching.slice(0, Math.max(0, query.limit - results.length))
      : matching;
    const contents =
      needed.length > 0
        ? await ports.contents.getMany([...new Set(needed.map((r) => r.cid))])
        : new Map<string, ContentRecord>();
    for (const request of matching) {
      const content = contents.get(request.cid);
      if (!everyStatus && !statuses.has(content?.pinStatus ?? 'queued')) continue;
      count++;
      if (results.length < query.limit) results.push({ request, content });
    }
  }
  return ok({
    count,
    results: results.map(({ request, content }) => statusOf(request, content, view)),
  });
}

function requestFilter(query: ListPinsRequest): (request: PinRequestRecord) => boolean {
  const name = query.name;
  const insensitive = query.match === 'iexact' || query.match === 'ipartial';
  const partial = query.match === 'partial' || query.match === 'ipartial';
  const wanted = name !== undefined && insensitive ? name.toLowerCase() : name;
  const meta = Object.entries(query.meta ?? {});
  return (request) => {
    if (wanted !== undefined) {
      if (request.name === undefined) return false;
      const have = insensitive ? request.name.toLowerCase() : request.name;
      if (partial ? !have.includes(wanted) : have !== wanted) return false;
    }
    return meta.every(([key, value]) => request.meta?.[key] === value);
  };
}

/** Every live request of the user in the time window, page by page, newest first. */
async function* pages(
  userId: string,
  query: ListPinsRequest,
  store: PinRequestStore,
): AsyncGenerator<PinRequestRecord[]> {
  let cursor: string | undefined;
  do {
    const page = await store.page({
      userId,
      ...(query.before ? { before: normalTime(query.before) } : {}),
      ...(query.after ? { after: normalTime(query.after) } : {}),
      ...(cursor ? { cursor } : {}),
      limit: SCAN_PAGE,
    });
    yield page.requests;
    cursor = page.next;
  } while (cursor);
}

async function* byCids(
  userId: string,
  cids: string[],
  query: ListPinsRequest,
  store: PinRequestStore,
): AsyncGenerator<PinRequestRecord[]> {
  const before = query.before ? normalTime(query.before) : undefined;
  const after = query.after ? normalTime(query.after) : undefined;
  const found = (await Promise.all(cids.map((cid) => store.liveForCid(userId, cid)))).flat();
  yield found
    .filter((r) => (!before || r.created < before) && (!after || r.created > after))
    .sort((a, b) => (a.created < b.created ? 1 : a.created > b.created ? -1 : 0));
}

/** A client's time (any offset, any precision) in the form requests are stored with. */
function normalTime(text: string): string {
  return new Date(text).toISOString();
}

export async function replacePin(
  principal: Principal,
  requestId: string,
  pin: PsaPin,
  ports: PinningServicePorts & Pick<DeletePorts, 'uploads'>,
  settings: PinningServiceSettings,
  view: PinView,
): Promise<Result<PsaPinStatus, NotFound | InvalidCid>> {
  const old = await ports.pinRequests.get(principal.userId, requestId);
  if (!old || old.deleted) return err(NOT_FOUND);
  // The new pin first: blocks both pins share are never without a hold.
  const added = await addPin(principal, pin, ports, view);
  if (!added.ok) return added;
  await deletePin(principal, requestId, ports, settings);
  return added;
}

export async function deletePin(
  principal: Pick<Principal, 'userId'>,
  requestId: string,
  ports: Pick<PinningServicePorts, 'pinRequests' | 'contents' | 'uploads' | 'stats' | 'clock'>,
  settings: PinningServiceSettings,
): Promise<Result<void, NotFound>> {
  const request = await ports.pinRequests.get(principal.userId, requestId);
  if (!request) return err(NOT_FOUND);
  const wasLive =
    !request.deleted &&
    (await ports.pinRequests.markDeleted(
      principal.userId,
      requestId,
      ports.clock.now().toISOString(),
    ));
  // A repeated delete (or the cron) finishes what an interrupted one left.
  await finishRemoval(request, ports, settings);
  return wasLive ? ok(undefined) : err(NOT_FOUND);
}

/**
 * Completes the removal of a request marked deleted: the user's upload of the CID goes when
 * no live request of it is left, then the record. A request made meanwhile keeps the upload.
 */
export async function finishRemoval(
  request: PinRequestRecord,
  ports: Pick<PinningServicePorts, 'pinRequests' | 'contents' | 'uploads' | 'stats' | 'clock'>,
  settings: PinningServiceSettings,
): Promise<void> {
  const { userId, cid } = request;
  const live = await ports.pinRequests.liveForCid(userId, cid);
  if (live.length === 0) {
    const id = parseContentId(cid) as ContentId;
    await deleteUpload({ userId }, id, ports, settings);
    if ((await ports.pinRequests.liveForCid(userId, cid)).length > 0) {
      await reviveUpload(userId, cid, ports);
    }
  }
  await ports.pinRequests.purge(userId, request.requestId);
}

/** A pin request made while its upload was being deleted gets the upload and its hold back. */
async function reviveUpload(
  userId: string,
  cid: string,
  ports: { uploads: UploadStore; contents: ContentStore } & StatsPorts,
) {
  const upload = await ports.uploads.get(userId, cid);
  if (!upload?.deleted) return;
  const now = ports.clock.now().toISOString();
  await ports.uploads.revive({ ...upload, updated: now }, { rename: false });
  await ports.contents.addHolder(cid, holderOf(userId, cid), now);
  await ports.contents.cancelUnpin(cid);
  await settleAll(
    [
      { kind: 'content', cid },
      { kind: 'upload', userId, cid },
    ],
    ports,
  );
}

/** A request as the spec's PinStatus, its status the content's pin. */
export function statusOf(
  request: PinRequestRecord,
  content: ContentRecord | undefined,
  view: PinView,
): PsaPinStatus {
  // The content is written before the request, so it is absent only if it was removed.
  const status: PinStatus = content?.pinStatus ?? 'queued';
  const info: Record<string, string> = {};
  if (status === 'failed' && content?.failure) info.status_details = content.failure.message;
  if (content?.size !== undefined && content.structure === 'complete') {
    info.dag_size = String(content.size);
  }
  return {
    requestid: request.requestId,
    status,
    created: request.created,
    pin: {
      cid: request.sourceCid,
      ...(request.name !== undefined ? { name: request.name } : {}),
      ...(request.origins.length > 0 ? { origins: request.origins } : {}),
      ...(request.meta ? { meta: request.meta } : {}),
    },
    delegates: view.delegates,
    ...(Object.keys(info).length > 0 ? { info } : {}),
  };
}
