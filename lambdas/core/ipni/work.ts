/**
 * What the IPNI publisher is asked to do, and the keys that make each piece of work idempotent:
 * advertising the blocks of one stored CAR for its content, or withdrawing a content after its
 * removal. A key is placed (recorded with the position it is about to take) before that position
 * is claimed, and the claimed position lists the keys it completed, so a redelivered message
 * finds its work done — or finds it was interrupted, and does it again.
 */
import * as z from 'zod/mini';
import { S3EventMessage, WithdrawMessage } from '../../../contract/messages.ts';

export type Work =
  /** A CAR is in the carpark: advertise its blocks under its content's ContextID. */
  | { kind: 'advertise'; carCid: string }
  /** A content was removed: withdraw its ContextID. `removalId` tells one removal from another. */
  | { kind: 'withdraw'; content: string; removalId: string };

/** What makes two pieces of work the same (the same CAR, the same removal). */
export const workId = (w: Work) =>
  w.kind === 'advertise' ? `car ${w.carCid}` : `rm ${w.content} ${w.removalId}`;

export interface WorkKey {
  /** The content (root CIDv1) the work is about. */
  content: string;
  /** `ADVERTISE#<carCid>` or `WITHDRAW#<removalId>`. */
  item: string;
}

const SEPARATOR = ' ';
/** The item prefixes, unlike any other sort key of the table. */
export const ADVERTISE = 'ADVERTISE#';
export const WITHDRAW = 'WITHDRAW#';

export const workKey = {
  advertise: (content: string, carCid: string): string =>
    `${content}${SEPARATOR}${ADVERTISE}${carCid}`,
  withdraw: (content: string, removalId: string): string =>
    `${content}${SEPARATOR}${WITHDRAW}${removalId}`,
  parse(key: string): WorkKey {
    const at = key.indexOf(SEPARATOR);
    if (at < 1) throw new Error(`not a work key: ${key.slice(0, 100)}`);
    return { content: key.slice(0, at), item: key.slice(at + 1) };
  },
  isWithdrawal: (key: string) => key.includes(`${SEPARATOR}${WITHDRAW}`),
} as const;

/** Where ads and entry chunks are kept in the ipni bucket: by CID, as `GET /ipni/v1/ad/{cid}` names them. */
export const adObjectKey = (cid: string) => `ad/${cid}`;

/**
 * A carpark CAR's block list, which the indexer stores beside it once every block is indexed:
 * the CAR is advertised then, from that list (an event of the CAR itself would come too early).
 */
const INDEXED_CAR = /^([a-z0-9]+)\/\1\.blocks\.cbor$/;

/**
 * The work an ipni-queue message asks for: a withdrawal, or S3 events of stored CARs (other
 * keys and S3's test event ask for nothing). Undefined when it is no IPNI message at all.
 */
export function workOfMessage(text: string): Work[] | undefined {
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    return undefined;
  }
  const withdrawal = z.safeParse(WithdrawMessage, body);
  if (withdrawal.success) {
    const { cid, removalId } = withdrawal.data;
    return [{ kind: 'withdraw', content: cid, removalId }];
  }
  const event = z.safeParse(S3EventMessage, body);
  if (event.success) {
    return event.data.Records.flatMap((record): Work[] => {
      if (!record.eventName.startsWith('ObjectCreated')) return [];
      // S3 URL-encodes keys in notifications, with '+' for spaces.
      const key = decodeURIComponent(record.s3.object.key.replace(/\+/g, ' '));
      const carCid = INDEXED_CAR.exec(key)?.[1];
      return carCid ? [{ kind: 'advertise', carCid }] : [];
    });
  }
  if ((body as { Event?: string } | null)?.Event === 's3:TestEvent') return [];
  return undefined;
}
