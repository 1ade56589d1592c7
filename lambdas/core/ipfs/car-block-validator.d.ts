// The package's `exports` map has no `types` condition, so NodeNext resolution misses its own
// declarations. This restates the part we use (same shapes as its types/index.d.ts).
declare module '@web3-storage/car-block-validator' {
  export interface ValidatableBlock {
    cid: import('multiformats/cid').CID;
    bytes: Uint8Array;
  }
  /** Throws `UnsupportedHashError` or `HashMismatchError`; a promise for async hashers. */
  export function validateBlock(block: ValidatableBlock): Promise<void> | undefined;
  export class UnsupportedHashError extends Error {
    constructor(code: number);
  }
  export class HashMismatchError extends Error {}
}
