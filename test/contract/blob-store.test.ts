import { describe, expect, it } from 'vitest';
import { s3BlobStore } from '../../lambdas/adapters/s3/blob-store.ts';
import { createBucket, useEmulatorEnv } from '../support/emulator-env.ts';
import { FakeBlobStore } from '../support/fakes.ts';
import { blobStoreContract } from './blob-store.contract.ts';

blobStoreContract('in-memory fake', () => new FakeBlobStore());

const env = useEmulatorEnv();
blobStoreContract('S3 adapter', async () =>
  s3BlobStore({ client: env().clients.s3, bucket: await createBucket(env()) }),
);

describe('S3 adapter failures', () => {
  it('a missing bucket is a storage failure, not a missing object', async () => {
    const blobs = s3BlobStore({ client: env().clients.s3, bucket: 'no-such-bucket-here' });
    await expect(blobs.get('a/a.car')).rejects.toThrow();
    await expect(blobs.put('a/a.car', new Uint8Array([1]))).rejects.toThrow();
  });
});
