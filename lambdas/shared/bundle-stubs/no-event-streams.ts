/**
 * What deployed bundles use instead of `@smithy/core/event-streams` (lib/bundling.ts swaps it
 * in). Event streams serve a few operations pinstack never calls (S3 SelectObjectContent; the
 * DynamoDB and SQS APIs have none), yet every client's protocol imports them: about 15 KB of each
 * bundle. S3's client still builds its (unused) marshaller when it is created, so that much is
 * here; using one throws, naming what is missing.
 */

const unbundled = (): never => {
  throw new Error('event streams are not bundled: lib/bundling.ts aliases them away');
};

/** S3's client asks for a marshaller when it is created: one that refuses to work. */
export const eventStreamSerdeProvider = () => ({ serialize: unbundled, deserialize: unbundled });

export const resolveEventStreamSerdeConfig = <
  T extends { eventStreamSerdeProvider: (c: T) => unknown },
>(
  input: T,
) => Object.assign(input, { eventStreamMarshaller: input.eventStreamSerdeProvider(input) });

/** What a protocol loads to (de)serialize an event stream: never reached. */
export class EventStreamSerde {
  constructor() {
    unbundled();
  }
}
