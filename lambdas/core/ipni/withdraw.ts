/**
 * The entry point for removing content from IPNI: the pin-status cron calls it when it
 * requests a content's unpin (no holder left, its grace period over), and the publisher
 * appends one removal ad (`IsRm`) for the content's ContextID. Advertising needs no call:
 * every CAR stored in the carpark is advertised once the indexer has listed its blocks.
 */
import { CID } from 'multiformats/cid';
import type { IpniMessage, MessageQueue } from '../ports.ts';

/**
 * Queues the withdrawal of content `cid` (any version; it is keyed by CIDv1). `removalId` names
 * this removal (e.g. when it was requested), so that a repeat is done once while a later
 * removal of the same content, after it was stored again, is done again.
 */
export async function requestWithdrawal(
  cid: string,
  removalId: string,
  ports: { ipniQueue: MessageQueue<IpniMessage> },
): Promise<void> {
  await ports.ipniQueue.send({
    kind: 'withdraw',
    cid: CID.parse(cid).toV1().toString(),
    removalId,
  });
}
