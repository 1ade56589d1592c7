/**
 * The hashes deployed bundles use instead of the SDK's (lib/bundling.ts) give the SDK's answers
 * for the same input: SHA-256 and HMAC-SHA-256 (SigV4 signs with it), MD5 (SQS checks message
 * bodies with it), CRC32 (S3 checksums), fed whole or in pieces, from bytes, text or a stream,
 * and after a reset.
 */
import { Readable } from 'node:stream';
import * as sdk from '@smithy/core/checksum';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import * as native from '../../../lambdas/shared/bundle-stubs/native-checksums.ts';

type Ctor = new (
  secret?: string | Uint8Array,
) => {
  update(data: string | Uint8Array): void;
  digest(): Promise<Uint8Array>;
  reset(): void;
};

const pairs: [string, Ctor, Ctor][] = [
  ['Sha256', native.Sha256, sdk.Sha256 as unknown as Ctor],
  ['Md5', native.Md5, sdk.Md5 as unknown as Ctor],
  ['Crc32', native.Crc32, sdk.Crc32 as unknown as Ctor],
];

async function digestOf(Hash: Ctor, pieces: (string | Uint8Array)[], secret?: Uint8Array) {
  const hash = new Hash(secret);
  hash.update('discarded');
  hash.reset();
  for (const piece of pieces) hash.update(piece);
  return Buffer.from(await hash.digest()).toString('hex');
}

const piece = fc.oneof(fc.uint8Array({ maxLength: 300 }), fc.string({ maxLength: 100 }));

describe('native checksums', () => {
  it.each(pairs)('%s answers as the SDK does', async (_name, mine, theirs) => {
    await fc.assert(
      fc.asyncProperty(fc.array(piece, { maxLength: 5 }), async (pieces) => {
        expect(await digestOf(mine, pieces)).toBe(await digestOf(theirs, pieces));
      }),
      { numRuns: 200 },
    );
  });

  it('HMAC-SHA-256 answers as the SDK does, for any secret', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.uint8Array({ maxLength: 64 }),
        fc.array(piece),
        async (secret, pieces) => {
          expect(await digestOf(native.Sha256, pieces, secret)).toBe(
            await digestOf(sdk.Sha256 as unknown as Ctor, pieces, secret),
          );
        },
      ),
      { numRuns: 200 },
    );
    const text = (Hash: Ctor) => {
      const hash = new Hash('a text secret');
      hash.update('signed');
      return hash.digest();
    };
    expect(await text(native.Sha256)).toEqual(await text(sdk.Sha256 as unknown as Ctor));
  });

  it('hashes a stream as the SDK does', async () => {
    const chunks = [Buffer.from('one '), Buffer.from('two '), Buffer.from('three')];
    const mine = await native.readableStreamHasher(native.Md5, Readable.from(chunks));
    const theirs = await sdk.readableStreamHasher(sdk.Md5, Readable.from(chunks));
    expect(Buffer.from(mine).toString('hex')).toBe(Buffer.from(theirs).toString('hex'));
  });
});
