/**
 * The staging bucket as the core's StagingArea: presigned PUTs and multipart part URLs for
 * clients, the multipart bookkeeping (list, complete, abort), and for the ingest a streaming
 * read, ranged reads and the server-side copy into the carpark.
 *
 * Presigned URLs sign the exact Content-Length and, when the client declared one, the
 * x-amz-checksum-sha256 header, so S3 rejects other sizes and other bytes; the checksum stays a
 * real header because S3 does not read it from the query string. The client presigning here
 * must compute request checksums only when required: by default the SDK would sign the CRC32
 * of an empty body into the query string, which S3 then holds against the real bytes.
 */
import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CopyObjectCommand,
  CreateMultipartUploadCommand,
  DeleteObjectCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListPartsCommand,
  type ListPartsCommandOutput,
  PutObjectCommand,
  type S3Client,
  UploadPartCommand,
  UploadPartCopyCommand,
} from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import { failure } from '../../core/failures.ts';
import type { PresignedRequest, StagingArea, UploadedPart } from '../../core/ports.ts';
import { err, ok } from '../../core/result.ts';
import { storageError } from '../aws-errors.ts';

const CAR_TYPE = 'application/vnd.ipld.car';

/** S3's largest CopyObject; above it the copy goes part by part (UploadPartCopy). */
export const MAX_SINGLE_COPY_BYTES = 5 * 1024 ** 3;
/** S3 takes at most 10,000 parts; copy parts are at least this large. */
const COPY_PART_BYTES = 512 * 1024 ** 2;
const COPY_CONCURRENCY = 8;

export interface StagingContext {
  /** A client computing request checksums only when required (see above). */
  client: S3Client;
  bucket: string;
  /** Where copies go; only the ingest, which is bound to the carpark, copies. */
  carparkBucket?: string | undefined;
  /** Above this size the copy into the carpark goes part by part (tests lower it). */
  singleCopyMaxBytes?: number;
  copyPartBytes?: number;
}

const isMissing = (error: unknown) =>
  error instanceof Error && (error.name === 'NoSuchKey' || error.name === 'NotFound');
const isNoSuchUpload = (error: unknown) => error instanceof Error && error.name === 'NoSuchUpload';
/** What S3 answers a parts list it cannot assemble with. */
const REFUSED_PARTS = new Set([
  'InvalidPart',
  'InvalidPartOrder',
  'EntityTooSmall',
  'InvalidRequest',
]);

export function s3StagingArea(ctx: StagingContext): StagingArea {
  const { client, bucket } = ctx;
  const presign = async (
    command: PutObjectCommand | UploadPartCommand,
    expiresIn: number,
    headers: Record<string, string>,
  ): Promise<PresignedRequest> => {
    const options = {
      expiresIn,
      signableHeaders: new Set(Object.keys(headers)),
      unhoistableHeaders: new Set(['x-amz-checksum-sha256']),
    };
    const url =
      command instanceof PutObjectCommand
        ? await getSignedUrl(client, command, options)
        : await getSignedUrl(client, command, options);
    return { url, method: 'PUT', headers };
  };
  const checksumHeader = (sha256?: string) =>
    sha256 ? { 'x-amz-checksum-sha256': sha256 } : ({} as Record<string, string>);

  return {
    async presignPut({ key, size, sha256, expiresInSeconds }) {
      const command = new PutObjectCommand({
        Bucket: bucket,
        Key: key,
        ContentLength: size,
        ContentType: CAR_TYPE,
        ...(sha256 ? { ChecksumSHA256: sha256 } : {}),
      });
      return presign(command, expiresInSeconds, {
        'content-length': String(size),
        'content-type': CAR_TYPE,
        ...checksumHeader(sha256),
      });
    },

    async createMultipart(key, { checksums }) {
      const { UploadId } = await client.send(
        new CreateMultipartUploadCommand({
          Bucket: bucket,
          Key: key,
          ContentType: CAR_TYPE,
          ...(checksums ? { ChecksumAlgorithm: 'SHA256' as const } : {}),
        }),
      );
      if (!UploadId) throw new Error('S3 started a multipart upload without an UploadId');
      return UploadId;
    },

    async presignPart({ key, uploadId, partNumber, size, sha256, expiresInSeconds }) {
      const command = new UploadPartCommand({
        Bucket: bucket,
        Key: key,
        UploadId: uploadId,
        PartNumber: partNumber,
        ContentLength: size,
        ...(sha256 ? { ChecksumSHA256: sha256 } : {}),
      });
      return presign(command, expiresInSeconds, {
        'content-length': String(size),
        ...checksumHeader(sha256),
      });
    },

    async listParts(key, uploadId) {
      const parts: UploadedPart[] = [];
      let marker: string | undefined;
      try {
        for (;;) {
          const page: ListPartsCommandOutput = await client.send(
            new ListPartsCommand({
              Bucket: bucket,
              Key: key,
              UploadId: uploadId,
              ...(marker ? { PartNumberMarker: marker } : {}),
            }),
          );
          for (const part of page.Parts ?? []) {
            if (part.PartNumber === undefined || !part.ETag) continue;
            parts.push({ partNumber: part.PartNumber, size: part.Size ?? 0, etag: part.ETag });
          }
          if (!page.IsTruncated || !page.NextPartNumberMarker) break;
          marker = page.NextPartNumberMarker;
        }
      } catch (error) {
        if (isNoSuchUpload(error)) return undefined;
        throw error;
      }
      return parts.sort((a, b) => a.partNumber - b.partNumber);
    },

    async completeMultipart(key, uploadId, parts) {
      try {
        await client.send(
          new CompleteMultipartUploadCommand({
            Bucket: bucket,
            Key: key,
            UploadId: uploadId,
            MultipartUpload: {
              Parts: parts.map((part) => ({
                PartNumber: part.partNumber,
                ETag: part.etag,
                ...(part.sha256 ? { ChecksumSHA256: part.sha256 } : {}),
              })),
            },
          }),
        );
        return ok(undefined);
      } catch (error) {
        if (isNoSuchUpload(error)) {
          return err(failure.invalidRequest('the multipart upload is gone (completed or aborted)'));
        }
        if (error instanceof Error && REFUSED_PARTS.has(error.name)) {
          return err(failure.invalidRequest(`S3 refused the parts: ${error.message}`));
        }
        throw error;
      }
    },

    async abortMultipart(key, uploadId) {
      try {
        await client.send(
          new AbortMultipartUploadCommand({ Bucket: bucket, Key: key, UploadId: uploadId }),
        );
      } catch (error) {
        if (!isNoSuchUpload(error)) throw error;
      }
    },

    async open(key) {
      try {
        const object = await client.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
        if (!object.Body) return undefined;
        const body = object.Body as AsyncIterable<Uint8Array>;
        return { size: object.ContentLength ?? 0, body: classified(body) };
      } catch (error) {
        if (isMissing(error)) return undefined;
        throw error;
      }
    },

    async readRange(key, offset, length) {
      const object = await client.send(
        new GetObjectCommand({
          Bucket: bucket,
          Key: key,
          Range: `bytes=${offset}-${offset + length - 1}`,
        }),
      );
      if (!object.Body) throw new Error(`no body reading ${key} at ${offset}`);
      try {
        return await object.Body.transformToByteArray();
      } catch (error) {
        throw storageError(error, 'S3');
      }
    },

    async copyToCarpark(key, carparkKey, size) {
      const { carparkBucket } = ctx;
      if (!carparkBucket) throw new Error('no carpark bucket to copy staged objects to');
      const source = `${bucket}/${key.split('/').map(encodeURIComponent).join('/')}`;
      if (size <= (ctx.singleCopyMaxBytes ?? MAX_SINGLE_COPY_BYTES)) {
        await client.send(
          new CopyObjectCommand({
            Bucket: carparkBucket,
            Key: carparkKey,
            CopySource: source,
            ContentType: CAR_TYPE,
            MetadataDirective: 'REPLACE',
            // S3 computes the copy's own SHA-256: the CAR CID's digest, stored beside it.
            ChecksumAlgorithm: 'SHA256',
          }),
        );
        return;
      }
      await copyInParts({ ...ctx, carparkBucket }, source, carparkKey, size);
    },

    async has(key) {
      try {
        await client.send(new HeadObjectCommand({ Bucket: bucket, Key: key }));
        return true;
      } catch (error) {
        if (isMissing(error)) return false;
        throw error;
      }
    },

    async delete(key) {
      await client.send(new DeleteObjectCommand({ Bucket: bucket, Key: key }));
    },
  };
}

/** A body cut off mid-stream fails outside the SDK's call, so it is classified here. */
async function* classified(body: AsyncIterable<Uint8Array>): AsyncIterable<Uint8Array> {
  try {
    yield* body;
  } catch (error) {
    throw storageError(error, 'S3');
  }
}

/** A copy over CopyObject's 5 GiB limit: a multipart upload of ranged part copies. */
async function copyInParts(
  ctx: StagingContext & { carparkBucket: string },
  source: string,
  key: string,
  size: number,
) {
  const { client, carparkBucket } = ctx;
  const partBytes = Math.max(ctx.copyPartBytes ?? COPY_PART_BYTES, Math.ceil(size / 10_000));
  const { UploadId } = await client.send(
    new CreateMultipartUploadCommand({ Bucket: carparkBucket, Key: key, ContentType: CAR_TYPE }),
  );
  if (!UploadId) throw new Error('S3 started a multipart upload without an UploadId');
  const count = Math.ceil(size / partBytes);
  const etags: string[] = new Array(count);
  try {
    let next = 0;
    const worker = async () => {
      for (let i = next++; i < count; i = next++) {
        const first = i * partBytes;
        const last = Math.min(size, first + partBytes) - 1;
        const { CopyPartResult } = await client.send(
          new UploadPartCopyCommand({
            Bucket: carparkBucket,
            Key: key,
            UploadId,
            PartNumber: i + 1,
            CopySource: source,
            CopySourceRange: `bytes=${first}-${last}`,
          }),
        );
        if (!CopyPartResult?.ETag) throw new Error(`S3 copied part ${i + 1} without an ETag`);
        etags[i] = CopyPartResult.ETag;
      }
    };
    await Promise.all(Array.from({ length: Math.min(COPY_CONCURRENCY, count) }, worker));
    await client.send(
      new CompleteMultipartUploadCommand({
        Bucket: carparkBucket,
        Key: key,
        UploadId,
        MultipartUpload: { Parts: etags.map((ETag, i) => ({ ETag, PartNumber: i + 1 })) },
      }),
    );
  } catch (error) {
    // Nothing half-copied stays behind (the carpark has no lifecycle rule to clear it).
    await client
      .send(new AbortMultipartUploadCommand({ Bucket: carparkBucket, Key: key, UploadId }))
      .catch(() => {});
    throw error;
  }
}
