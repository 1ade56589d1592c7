/**
 * The put benchmark's baseline, in a process of its own as the CLI is: a plain S3 multipart
 * upload of a file (the same part size and concurrency as `pinstack put`) to the emulator.
 *
 *   node bench/multipart-put-child.ts <file> <bucket> <key> <endpoint> <partBytes> <concurrency>
 */
import { openAsBlob } from 'node:fs';
import {
  CompleteMultipartUploadCommand,
  CreateMultipartUploadCommand,
  S3Client,
  UploadPartCommand,
} from '@aws-sdk/client-s3';

const [file = '', bucket = '', key = '', endpoint = '', partText = '', concurrencyText = ''] =
  process.argv.slice(2);
const partBytes = Number(partText);
const blob = await openAsBlob(file);
const client = new S3Client({
  region: 'us-east-1',
  endpoint,
  forcePathStyle: true,
  requestChecksumCalculation: 'WHEN_REQUIRED',
});
const { UploadId } = await client.send(
  new CreateMultipartUploadCommand({ Bucket: bucket, Key: key }),
);
const count = Math.ceil(blob.size / partBytes);
const etags: string[] = [];
let next = 0;
await Promise.all(
  Array.from({ length: Number(concurrencyText) }, async () => {
    for (let i = next++; i < count; i = next++) {
      const body = new Uint8Array(
        await blob.slice(i * partBytes, (i + 1) * partBytes).arrayBuffer(),
      );
      const { ETag } = await client.send(
        new UploadPartCommand({
          Bucket: bucket,
          Key: key,
          UploadId,
          PartNumber: i + 1,
          Body: body,
        }),
      );
      etags[i] = ETag ?? '';
    }
  }),
);
await client.send(
  new CompleteMultipartUploadCommand({
    Bucket: bucket,
    Key: key,
    UploadId,
    MultipartUpload: { Parts: etags.map((ETag, i) => ({ ETag, PartNumber: i + 1 })) },
  }),
);
client.destroy();
