/**
 * Presigned PUTs for staged uploads. The signature covers the exact Content-Length and the
 * x-amz-checksum-sha256 header, so S3 rejects other sizes and other bytes; the checksum stays a
 * real header because S3 does not read it from the query string.
 */
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import type { UploadPresigner } from '../../core/ports.ts';
import type { BucketContext } from './blob-store.ts';

const CAR_TYPE = 'application/vnd.ipld.car';

export function s3UploadPresigner(ctx: BucketContext): UploadPresigner {
  return {
    async presignPut({ key, size, sha256, expiresInSeconds }) {
      const command = new PutObjectCommand({
        Bucket: ctx.bucket,
        Key: key,
        ContentLength: size,
        ContentType: CAR_TYPE,
        ChecksumSHA256: sha256,
      });
      const url = await getSignedUrl(ctx.client, command, {
        expiresIn: expiresInSeconds,
        signableHeaders: new Set(['content-length', 'content-type', 'x-amz-checksum-sha256']),
        unhoistableHeaders: new Set(['x-amz-checksum-sha256']),
      });
      return {
        url,
        headers: {
          'content-length': String(size),
          'content-type': CAR_TYPE,
          'x-amz-checksum-sha256': sha256,
        },
      };
    },
  };
}
