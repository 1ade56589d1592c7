/**
 * The queue messages: what producers send and consumers accept. Consumers validate every
 * message against these before acting on it.
 */
import * as z from 'zod/mini';

/** A content's root as a CIDv1 string. */
const ContentCid = z.string().check(z.minLength(1), z.maxLength(200));

/** Most contents one pin message carries (well inside SQS's 256 KiB). */
export const MAX_PIN_MESSAGE_CIDS = 100;

/**
 * Pin or unpin contents. One CID (`cid`, what uploads send) or several (`cids`, what the cron
 * sends): the pin worker handles a message's contents together, in as few provider requests
 * as it can.
 */
export const PinMessage = z.union([
  z.object({ op: z.enum(['pin', 'unpin']), cid: ContentCid }),
  z.object({
    op: z.enum(['pin', 'unpin']),
    cids: z.array(ContentCid).check(z.minLength(1), z.maxLength(MAX_PIN_MESSAGE_CIDS)),
  }),
]);
export type PinMessage = z.infer<typeof PinMessage>;

/** The contents a pin message is about. */
export const pinMessageCids = (message: PinMessage): string[] =>
  'cids' in message ? message.cids : [message.cid];

/** A request to walk a chunked DAG's CARs and mark it complete when it is. */
export const CheckDagMessage = z.object({ kind: z.literal('check-dag'), cid: ContentCid });
export type IngestMessage = z.infer<typeof CheckDagMessage>;

/**
 * A removed content's withdrawal from IPNI (the ipni queue; CARs to advertise arrive there as
 * S3 events). `removalId` tells one removal of a content from a later one (e.g. when it was
 * requested): a repeat of the same removal is done once.
 */
export const WithdrawMessage = z.object({
  kind: z.literal('withdraw'),
  cid: ContentCid,
  removalId: z.string().check(z.minLength(1), z.maxLength(200)),
});
export type IpniMessage = z.infer<typeof WithdrawMessage>;

/** The part of an S3 event notification the ingest consumer reads. */
export const S3EventMessage = z.object({
  Records: z.array(
    z.object({
      eventName: z.string(),
      eventTime: z.optional(z.iso.datetime({ offset: true })),
      s3: z.object({ object: z.object({ key: z.string() }) }),
    }),
  ),
});
