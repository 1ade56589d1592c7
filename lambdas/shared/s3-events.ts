/** Reading S3 event notifications the way S3 writes them. */
import type * as z from 'zod/mini';
import type { S3EventMessage } from '../../contract/messages.ts';

/** The objects an event says were created, keys decoded (S3 URL-encodes them, '+' for space). */
export function createdObjects(event: z.infer<typeof S3EventMessage>) {
  return event.Records.filter((r) => r.eventName.startsWith('ObjectCreated')).map((r) => ({
    key: decodeURIComponent(r.s3.object.key.replace(/\+/g, ' ')),
    createdAt: r.eventTime ? new Date(r.eventTime) : undefined,
  }));
}

/** S3's own test event, sent when a notification is configured: nothing to do. */
export const isS3TestEvent = (body: unknown) =>
  (body as { Event?: string } | null)?.Event === 's3:TestEvent';
