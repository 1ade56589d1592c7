/** The objects an S3 event notification says were created, keys decoded as S3 encodes them. */
import type * as z from 'zod/mini';
import type { S3EventMessage } from '../../contract/messages.ts';

export interface CreatedObject {
  key: string;
  /** When S3 created it (the event's time), when the event says. */
  createdAt?: Date;
}

export function createdObjects(event: z.infer<typeof S3EventMessage>): CreatedObject[] {
  return event.Records.filter((record) => record.eventName.startsWith('ObjectCreated')).map(
    (record) => ({
      // S3 URL-encodes keys in notifications, with '+' for spaces.
      key: decodeURIComponent(record.s3.object.key.replace(/\+/g, ' ')),
      ...(record.eventTime ? { createdAt: new Date(record.eventTime) } : {}),
    }),
  );
}

/** S3's own test event, sent when a notification is configured: nothing to do. */
export const isS3TestEvent = (body: unknown) =>
  (body as { Event?: string } | null)?.Event === 's3:TestEvent';
