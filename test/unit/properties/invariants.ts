/**
 * What every answer to hostile input must be, whatever the input: documented, never a 5xx, a
 * bounded error message that never echoes much of the input, and a 4xx that leaves nothing
 * behind. Plus the independent references the answers are compared with.
 */
import { CarBufferReader } from '@ipld/car/buffer-reader';
import type { ImporterOptions } from 'ipfs-unixfs-importer';
import { importer } from 'ipfs-unixfs-importer';
import { fixedSize } from 'ipfs-unixfs-importer/chunker';
import { balanced } from 'ipfs-unixfs-importer/layout';
import { expect } from 'vitest';
import { MAX_FAILURE_MESSAGE } from '../../../lambdas/core/failures.ts';
import type { FakePorts } from '../../support/fakes.ts';
import { type InProcessResponse, storedState } from '../../support/in-process-api.ts';

/** Longest run of input an error message may repeat: `quote` shows up to 80 characters. */
const MAX_ECHO = 100;

/**
 * A documented answer below 500; an error is the envelope with a bounded message, free of
 * control characters, repeating no more than a short excerpt of any of `inputs`.
 */
export function expectSound(response: InProcessResponse, inputs: readonly string[] = []): void {
  const what = `${response.status} ${response.text.slice(0, 300)}`;
  expect(response.status, what).toBeLessThan(500);
  expect(response.documentProblems, what).toEqual([]);
  if (response.status < 400) return;
  expect(response.json, what).toMatchObject({
    ok: false,
    error: { code: expect.any(String), message: expect.any(String) },
  });
  const message: string = response.json.error.message;
  expect(message.length, message).toBeLessThanOrEqual(MAX_FAILURE_MESSAGE);
  expect(message, 'control characters in the message').not.toMatch(/\p{Cc}/u);
  for (const input of inputs) {
    expect(echoOf(message, input), `the message echoes the input: ${message}`).toBeUndefined();
  }
}

/** A run of more than MAX_ECHO characters of `input` inside `message`, if any. */
function echoOf(message: string, input: string): string | undefined {
  if (input.length <= MAX_ECHO) return undefined;
  for (let i = 0; i + MAX_ECHO < message.length; i++) {
    const window = message.slice(i, i + MAX_ECHO + 1);
    if (input.includes(window)) return window;
  }
  return undefined;
}

/** Runs a request that must fail, and checks it stored nothing anywhere. */
export function expectNothingStored(ports: FakePorts, before: ReturnType<typeof storedState>) {
  expect(storedState(ports)).toEqual(before);
}

/**
 * The UnixFS parameters that decide CIDs for nft.storage clients and `ipfs add
 * --cid-version=1`, written out here independently of lambdas/core/ipfs/unixfs.ts so that a
 * change there shows up as a CID difference.
 */
const IMPORTER_OPTIONS: ImporterOptions = {
  cidVersion: 1,
  rawLeaves: true,
  reduceSingleLeafToSelf: true,
  chunker: fixedSize({ chunkSize: 262_144 }),
  layout: balanced({ maxChildrenPerNode: 174 }),
  shardSplitThresholdBytes: 262_144,
  shardSplitStrategy: 'links-bytes',
  shardFanoutBits: 8,
  fieldOrder: 'links-first',
};

/** The root ipfs-unixfs-importer gives: one unwrapped file, or files wrapped in a directory. */
export async function importerRoot(
  files: readonly { path?: string; content: Uint8Array }[],
  wrapWithDirectory: boolean,
): Promise<string> {
  const blocks = new Map<string, Uint8Array>();
  const store = {
    put(cid: { toString(): string }, bytes: Uint8Array) {
      blocks.set(cid.toString(), bytes);
      return cid;
    },
  };
  let root: string | undefined;
  const entries = files.map((file) => ({ ...file }));
  // biome-ignore lint/suspicious/noExplicitAny: a put-only blockstore is all the importer uses
  for await (const entry of importer(entries, store as any, {
    ...IMPORTER_OPTIONS,
    wrapWithDirectory,
  })) {
    root = entry.cid.toString();
  }
  if (root === undefined) throw new Error('the importer produced no root');
  return root;
}

/** A CAR read back independently: its roots and the distinct bytes its blocks hold. */
export function readCar(bytes: Uint8Array) {
  const reader = CarBufferReader.fromBytes(bytes);
  const distinct = new Map<string, number>();
  for (const block of reader.blocks()) {
    distinct.set(block.cid.multihash.bytes.join(','), block.bytes.byteLength);
  }
  return {
    roots: reader.getRoots().map(String),
    blocks: reader.blocks(),
    distinctBytes: [...distinct.values()].reduce((sum, n) => sum + n, 0),
  };
}

/** The one CAR a successful upload stored (the fresh ports hold nothing else). */
export function storedCar(ports: FakePorts): Uint8Array {
  const cars = [...ports.carpark.blobs].filter(([key]) => key.endsWith('.car'));
  expect(cars.length).toBe(1);
  return (cars[0] as [string, Uint8Array])[1];
}
