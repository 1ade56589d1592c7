/**
 * Pin by CID: a user asks for content that may not be stored here yet. The request is an upload
 * of the CID for the user (listed by `GET /`, its content shared and counted once with every
 * other upload of it) whose content starts `queued`; the pin worker fetches the DAG from
 * trustless gateways (the request's HTTP origins first) and pins it as it pins uploads.
 *
 * The writes follow the upload's order, so a crash between any two is repaired by the cron or
 * completed by a retry: the user's hold (unconfirmed), then the content, then the pin message,
 * then the upload.
 */
import { type ContentId, parseContentId } from '../codecs/cid.ts';
import { failure, type InvalidCid } from './failures.ts';
import type {
  Clock,
  ContentRecord,
  ContentStore,
  MessageQueue,
  PinMessage,
  StatsStore,
  UploadRecord,
  UploadStore,
} from './ports.ts';
import { err, ok, type Result } from './result.ts';
import { settleAll } from './stats.ts';
import { defaultUploadName, holderOf, writeUpload } from './uploads.ts';

/** What recording a pin-by-CID request needs. */
export interface PinByCidPorts {
  contents: ContentStore;
  uploads: UploadStore;
  pinQueue: MessageQueue<PinMessage>;
  stats: StatsStore;
  clock: Clock;
}

export interface PinByCidRequest {
  userId: string;
  /** The root, in any CID form (CIDv0 and CIDv1 of a root are one upload and one content). */
  cid: string;
  /** The upload's name when this creates it (an existing upload keeps its own). */
  name?: string;
  /**
   * Where the DAG may be: http(s) URLs or multiaddrs of HTTP gateways (`/dns/<host>/tcp/443/https`)
   * are fetched from first; other hints (libp2p swarm addresses) are kept but not dialled.
   */
  origins?: readonly string[];
  /** Kept with the upload (e.g. the chain, contract and token a scraper found it by). */
  meta?: Readonly<Record<string, string>>;
  /** Who asked, shown as the upload's `scope`: an API key, or a service such as the scraper. */
  scope?: { tokenId: string; tokenName: string };
}

export interface PinByCidResult {
  id: ContentId;
  upload: UploadRecord;
  content: ContentRecord;
}

/** Upload type of pins requested by CID (nft.storage's type for its pinning API). */
export const REMOTE_UPLOAD_TYPE = 'remote';

/** Most origins a request keeps (the Pinning Service API allows 20). */
export const MAX_ORIGINS = 20;

/**
 * Records a pin-by-CID request for a user, idempotently (a repeat finds the upload and content
 * and changes nothing but the upload's `updated`), and queues the fetch when the content still
 * needs one. Content that is already stored and pinned is simply held by the new upload.
 */
export async function requestPinByCid(
  ports: PinByCidPorts,
  request: PinByCidRequest,
): Promise<Result<PinByCidResult, InvalidCid>> {
  const id = parseContentId(request.cid);
  if (!id) return err(failure.invalidCid(request.cid));
  const now = ports.clock.now().toISOString();
  const holder = holderOf(request.userId, id.v1);
  const origins = [...new Set(request.origins ?? [])].slice(0, MAX_ORIGINS);

  // 1. The hold, unconfirmed until the cron sees the upload (or released if this dies first).
  await ports.contents.addHolder(id.v1, holder, now);
  // 2. The content: created `queued` with its fetch, or found as it is.
  const content = await ports.contents.recordRequested({ cid: id.v1, origins, now });
  if (content.unpinAfter || content.unpinRequested) await ports.contents.cancelUnpin(id.v1);
  // 3. The fetch, unless the content is stored or being worked on (a lost message is re-sent
  // by the cron, which re-queues stale `queued` pins).
  if (content.pinStatus === 'queued') await ports.pinQueue.send({ op: 'pin', cid: id.v1 });
  // 4. The user's upload of it, written after the content it shows.
  const scope = request.scope ?? { tokenId: '', tokenName: '' };
  const record: UploadRecord = {
    userId: request.userId,
    cid: id.v1,
    sourceCid: id.source,
    name: request.name ?? defaultUploadName(now),
    type: REMOTE_UPLOAD_TYPE,
    files: [],
    ...(request.meta && Object.keys(request.meta).length > 0 ? { meta: { ...request.meta } } : {}),
    tokenId: scope.tokenId,
    tokenName: scope.tokenName,
    created: now,
    updated: now,
  };
  const upload = await writeUpload(record, { rename: false }, holder, now, ports);
  await settleAll(
    [
      { kind: 'content', cid: id.v1 },
      { kind: 'upload', userId: request.userId, cid: id.v1 },
    ],
    ports,
  );
  return ok({ id, upload, content });
}
