/** A bucket as a content-addressed blob store. */
import {
  DeleteObjectCommand,
  GetObjectCommand,
  type GetObjectCommandOutput,
  HeadObjectCommand,
  PutObjectCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import type { BlobStore, ByteRange } from '../../core/ports.ts';
import { storageError } from '../aws-errors.ts';

export interface BucketContext {
  client: S3Client;
  bucket: string;
}

const isMissing = (error: unknown) =>
  error instanceof Error && (error.name === 'NoSuchKey' || error.name === 'NotFound');

export function s3BlobStore(ctx: BucketContext): BlobStore {
  return {
    async put(key, bytes, sha256) {
      await ctx.client.send(
        new PutObjectCommand({
          Bucket: ctx.bucket,
          Key: key,
          Body: bytes,
          ContentLength: bytes.length,
          ContentType: 'application/vnd.ipld.car',
          // S3 verifies the stored bytes against this checksum; a known digest saves the SDK
          // from hashing the body once more.
          ...(sha256
            ? { ChecksumSHA256: Buffer.from(sha256).toString('base64') }
            : { ChecksumAlgorithm: 'SHA256' as const }),
        }),
      );
    },
    async get(key) {
      try {
        const object = await ctx.client.send(
          new GetObjectCommand({ Bucket: ctx.bucket, Key: key }),
        );
        if (!object.Body) return undefined;
        return await object.Body.transformToByteArray();
      } catch (error) {
        if (isMissing(error)) return undefined;
        // A body cut off mid-stream fails outside the SDK's call, so it is classified here.
        throw storageError(error, 'S3');
      }
    },
    async stream(key, range) {
      if (range?.length === 0) return (async function* () {})();
      let object: GetObjectCommandOutput;
      try {
        object = await ctx.client.send(
          new GetObjectCommand({
            Bucket: ctx.bucket,
            Key: key,
            ...(range ? { Range: rangeHeader(range) } : {}),
          }),
        );
      } catch (error) {
        if (isMissing(error)) return undefined;
        // A range that starts at or past the end: nothing to read.
        if ((error as Error).name === 'InvalidRange') return (async function* () {})();
        throw error;
      }
      const body = object.Body as AsyncIterable<Uint8Array> | undefined;
      if (!body) return undefined;
      return classified(body);
    },
    async delete(key) {
      await ctx.client.send(new DeleteObjectCommand({ Bucket: ctx.bucket, Key: key }));
    },
    async has(key) {
      try {
        await ctx.client.send(new HeadObjectCommand({ Bucket: ctx.bucket, Key: key }));
        return true;
      } catch (error) {
        if (isMissing(error)) return false;
        throw error;
      }
    },
  };
}

const rangeHeader = (range: ByteRange) =>
  `bytes=${range.offset}-${range.offset + range.length - 1}`;

/** A body cut off mid-stream fails outside the SDK's call, so it is classified here. */
async function* classified(body: AsyncIterable<Uint8Array>): AsyncGenerator<Uint8Array> {
  try {
    yield* body;
  } catch (error) {
    throw storageError(error, 'S3');
  }
}
