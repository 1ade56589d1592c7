/**
 * Issue 7: parsing a 4 MiB CAR of 100,000 blocks took a process from 158 to about 400 MB (900 MB
 * with eight at once). The verifier keeps a compact record per block instead of the blocks, so
 * what each request adds is a small multiple of its body. Measured in a fresh process (peak
 * RSS), since this one's heap holds whatever other tests left.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import * as dagPb from '@ipld/dag-pb';
import { CID } from 'multiformats/cid';
import * as raw from 'multiformats/codecs/raw';
import { sha256 } from 'multiformats/hashes/sha2';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Block } from '../../../lambdas/core/ipfs/block.ts';
import { encodeCar } from '../../../lambdas/core/ipfs/car.ts';

const run = promisify(execFile);
const PROBE = join(import.meta.dirname, '..', '..', 'support', 'probes', 'car-memory.ts');
const BLOCKS = 100_000;
/** What one request may add to the process, as a multiple of its body. */
const PER_REQUEST_FACTOR = 10;

let dir: string;
const cars: Record<'complete' | 'partial', string> = { complete: '', partial: '' };

const blockOf = (code: number, bytes: Uint8Array): Block => ({
  cid: CID.createV1(code, sha256.digest(bytes) as Awaited<ReturnType<typeof sha256.digest>>),
  bytes,
});

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'pinstack-car-memory-'));
  const leaves: Block[] = [];
  for (let i = 0; i < BLOCKS; i++) {
    const bytes = new Uint8Array(4);
    new DataView(bytes.buffer).setUint32(0, i);
    leaves.push(blockOf(raw.code, bytes));
  }
  const parents: Block[] = [];
  for (let i = 0; i < leaves.length; i += 174) {
    const links = leaves.slice(i, i + 174).map((leaf) => ({ Hash: leaf.cid, Tsize: 4 }));
    parents.push(blockOf(dagPb.code, dagPb.encode({ Links: links })));
  }
  const root = blockOf(
    dagPb.code,
    dagPb.encode({ Links: parents.map((parent) => ({ Hash: parent.cid, Tsize: 700 })) }),
  );
  // About 4 MiB: the root and 100,000 leaves, their parents missing (one chunk of a DAG).
  cars.partial = join(dir, 'partial.car');
  await writeFile(cars.partial, await encodeCar(root.cid, [root, ...leaves]));
  // About 8 MiB: the whole DAG.
  cars.complete = join(dir, 'complete.car');
  await writeFile(cars.complete, await encodeCar(root.cid, [root, ...parents, ...leaves]));
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function probe(car: string, times: number) {
  const { stdout } = await run(process.execPath, [PROBE, car, String(times)], {
    env: { ...process.env, NODE_OPTIONS: '' },
    timeout: 120_000,
  });
  return JSON.parse(stdout) as {
    ok: boolean;
    structures: string[];
    bodyBytes: number;
    growthBytes: number;
  };
}

describe('validating a CAR of 100,000 blocks', () => {
  it.each(['partial', 'complete'] as const)(
    'adds at most %s-CAR body x10 per request, eight requests at once',
    async (kind) => {
      const one = await probe(cars[kind], 1);
      const eight = await probe(cars[kind], 8);
      expect(one.ok && eight.ok).toBe(true);
      expect(eight.structures).toEqual(Array(8).fill(kind));
      // Eight at once: the whole growth is within the budget of eight bodies ...
      expect(eight.growthBytes).toBeLessThanOrEqual(8 * PER_REQUEST_FACTOR * eight.bodyBytes);
      // ... and each request past the first adds at most its share (the first also pays for the
      // young generation V8 grows once per process).
      const perRequest = (eight.growthBytes - one.growthBytes) / 7;
      expect(perRequest).toBeLessThanOrEqual(PER_REQUEST_FACTOR * eight.bodyBytes);
      console.log(
        `${kind} CAR of ${(eight.bodyBytes / 2 ** 20).toFixed(1)} MiB, ${BLOCKS} blocks: ` +
          `one request +${(one.growthBytes / 2 ** 20).toFixed(0)} MiB, eight ` +
          `+${(eight.growthBytes / 2 ** 20).toFixed(0)} MiB ` +
          `(${(perRequest / eight.bodyBytes).toFixed(1)}x body per extra request)`,
      );
    },
  );
});
