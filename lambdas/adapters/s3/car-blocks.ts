/**
 * The blocks of a carpark CAR, streamed from S3: its roots from the first bytes (a ranged GET),
 * its multihashes by reading the CAR through once, block bytes skipped, so a CAR of any size
 * passes through bounded memory.
 */
import { GetObjectCommand } from '@aws-sdk/client-s3';
import { CarCIDIterator } from '@ipld/car/iterator';
import type { CarBlockSource } from '../../core/ports.ts';
import { carparkKey } from '../../core/uploads.ts';
import { storageError } from '../aws-errors.ts';
import type { BucketContext } from './blob-store.ts';

/** More than a carpark CAR's header ever takes (one root of at most 512 characters). */
const HEADER_BYTES = 4096;

const isMissing = (error: unknown) =>
  error instanceof Error && (error.name === 'NoSuchKey' || error.name === 'NotFound');

async function open(ctx: BucketContext, carCid: string, range?: string) {
  try {
    const object = await ctx.client.send(
      new GetObjectCommand({ Bucket: ctx.bucket, Key: carparkKey(carCid), Range: range }),
    );
    return object.Body as (AsyncIterable<Uint8Array> & { destroy?: () => void }) | undefined;
  } catch (error) {
    if (isMissing(error)) return undefined;
    throw error;
  }
}

export function s3CarBlockSource(ctx: BucketContext): CarBlockSource {
  return {
    async roots(carCid) {
      const body = await open(ctx, carCid, `bytes=0-${HEADER_BYTES - 1}`);
      if (!body) return undefined;
      try {
        const reader = await CarCIDIterator.fromIterable(body);
        return (await reader.getRoots()).map((root) => root.toString());
      } catch (error) {
        throw storageError(error, 'S3');
      } finally {
        body.destroy?.();
      }
    },
    async multihashes(carCid) {
      const body = await open(ctx, carCid);
      if (!body) return undefined;
      return (async function* () {
        try {
          for await (const cid of await CarCIDIterator.fromIterable(body))
            yield cid.multihash.bytes;
        } catch (error) {
          // A body cut off mid-stream fails outside the SDK's call, so it is classified here.
          throw storageError(error, 'S3');
        } finally {
          body.destroy?.();
        }
      })();
    },
  };
}
