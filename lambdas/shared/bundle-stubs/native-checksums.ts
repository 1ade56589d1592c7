/**
 * What deployed bundles use instead of `@smithy/core/checksum` (lib/bundling.ts swaps it in):
 * the same hash classes on Node's own crypto and zlib, as the SDK builds them when Node has
 * those (always, on Lambda), without the pure-JavaScript fallbacks the SDK bundles beside them
 * (about 4 KB). test/unit/shared/native-checksums.test.ts checks every class, HMAC included,
 * against the SDK's own for the same input. Browser-only helpers are left out.
 */
import { createHash, createHmac, type Hash, type Hmac } from 'node:crypto';
import { Writable } from 'node:stream';
import { crc32 } from 'node:zlib';

type Data = string | ArrayBuffer | ArrayBufferView;

function bytesOf(data: Data): Uint8Array {
  if (typeof data === 'string') return Buffer.from(data, 'utf8');
  if (ArrayBuffer.isView(data))
    return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  return new Uint8Array(data);
}

const view = (buffer: Buffer) =>
  new Uint8Array(buffer.buffer, buffer.byteOffset, buffer.byteLength);

/** SHA-256, or HMAC-SHA-256 with a secret (SigV4 signs with it). */
export class Sha256 {
  readonly digestLength = 32;
  readonly #secret: Data | undefined;
  #hash: Hash | Hmac;
  #finished = false;

  constructor(secret?: Data) {
    this.#secret = secret;
    this.#hash = this.#create();
  }

  #create(): Hash | Hmac {
    if (this.#secret === undefined) return createHash('sha256');
    return createHmac(
      'sha256',
      typeof this.#secret === 'string' ? this.#secret : bytesOf(this.#secret),
    );
  }

  update(data: Data): void {
    if (this.#finished) throw new Error('Attempted to update an already finished hash.');
    this.#hash.update(bytesOf(data));
  }

  async digest(): Promise<Uint8Array> {
    if (this.#secret !== undefined) {
      this.#finished = true;
      return view((this.#hash as Hmac).digest());
    }
    return view((this.#hash as Hash).copy().digest());
  }

  reset(): void {
    this.#hash = this.#create();
    this.#finished = false;
  }
}

export class Md5 {
  readonly digestLength = 16;
  #hash = createHash('md5');

  update(data: Data): void {
    this.#hash.update(bytesOf(data));
  }

  async digest(): Promise<Uint8Array> {
    return view(this.#hash.copy().digest());
  }

  reset(): void {
    this.#hash = createHash('md5');
  }
}

export class Crc32 {
  readonly digestLength = 4;
  #value = 0;

  update(data: Data): void {
    this.#value = crc32(bytesOf(data), this.#value);
  }

  digestSync(): number {
    return this.#value >>> 0;
  }

  async digest(): Promise<Uint8Array> {
    const out = new Uint8Array(4);
    new DataView(out.buffer).setUint32(0, this.digestSync(), false);
    return out;
  }

  reset(): void {
    this.#value = 0;
  }
}

interface HashLike {
  update(data: Uint8Array): void;
  digest(): Promise<Uint8Array>;
}

/** The digest of a stream that is not flowing yet (S3 hashes streamed bodies with it). */
export function readableStreamHasher(
  hashCtor: new () => HashLike,
  stream: NodeJS.ReadableStream & { readableFlowing?: boolean | null },
): Promise<Uint8Array> {
  if (stream.readableFlowing !== null && stream.readableFlowing !== undefined) {
    throw new Error('Unable to calculate hash for flowing readable stream');
  }
  const hash = new hashCtor();
  const sink = new Writable({
    write(chunk: Data, _encoding, callback) {
      try {
        hash.update(bytesOf(chunk));
        callback();
      } catch (error) {
        callback(error as Error);
      }
    },
  });
  stream.pipe(sink);
  return new Promise((resolve, reject) => {
    stream.on('error', (error) => {
      sink.end();
      reject(error);
    });
    sink.on('error', reject);
    sink.on('finish', () => {
      hash.digest().then(resolve, reject);
    });
  });
}

/** Browser-only in the SDK (Blob bodies): never reached on Lambda. */
export async function blobHasher(): Promise<Uint8Array> {
  throw new Error('blobHasher is browser-only and not bundled (lib/bundling.ts)');
}

// The SDK's names for its two builds of each hash: on Node both are the native one.
export {
  Crc32 as Crc32Js,
  Crc32 as Crc32Node,
  Md5 as Md5Js,
  Md5 as Md5Node,
  Sha256 as Sha256Js,
  Sha256 as Sha256Node,
};
