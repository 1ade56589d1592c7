/**
 * POST /upload with CARs: valid ones of arbitrary raw/dag-pb/dag-cbor DAGs (complete or not),
 * and the same truncated at any offset or with bytes flipped anywhere. Valid CARs are stored
 * as sent under their root, sized by what they hold; everything else is a sound 4xx that
 * stores nothing, and a block whose bytes no longer match its CID is ERROR_INVALID_CAR.
 */
import * as dagPb from '@ipld/dag-pb';
import fc from 'fast-check';
import { CID } from 'multiformats/cid';
import * as raw from 'multiformats/codecs/raw';
import { identity } from 'multiformats/hashes/identity';
import { sha256, sha512 } from 'multiformats/hashes/sha2';
import { describe, expect, it } from 'vitest';
import { type InProcessApi, inProcessApi, storedState } from '../../support/in-process-api.ts';
import { craftCar } from '../../support/ipfs-fixtures.ts';
import { blockRegions, buildDag, dagSpec, walk } from './dags.ts';
import { expectNothingStored, expectSound, readCar, storedCar } from './invariants.ts';

const carType = fc.mixedCase(fc.constantFrom('application/car', 'application/vnd.ipld.car'));

const postCar = (api: InProcessApi, car: Uint8Array, type: string) =>
  api.request('POST', '/upload', { body: car, headers: { 'content-type': type } });

/** A rejection that left nothing behind; an empty body is no CAR at all. */
async function expectRejected(api: InProcessApi, car: Uint8Array, type: string) {
  const before = storedState(api.ports);
  const response = await postCar(api, car, type);
  expectSound(response);
  expect(response.status, response.text).toBe(400);
  expect(response.json.error.code).toBe(car.length === 0 ? 'HTTP_ERROR' : 'ERROR_INVALID_CAR');
  expectNothingStored(api.ports, before);
  return response;
}

/** Whether a block's bytes hash to its CID's digest (sha2 or identity, what the fuzzing yields). */
async function hashMatches(block: { cid: CID; bytes: Uint8Array }): Promise<boolean> {
  const { code, digest } = block.cid.multihash;
  const hasher = [sha256, sha512].find((h) => h.code === code);
  if (code === identity.code) return Buffer.compare(digest, block.bytes) === 0;
  if (!hasher) return false;
  return Buffer.compare((await hasher.digest(block.bytes)).digest, digest) === 0;
}

describe('POST /upload, CAR', () => {
  it('stores a CAR of any DAG as sent under its root, sized by the blocks it holds', async () => {
    await fc.assert(
      fc.asyncProperty(dagSpec(), carType, async (spec, type) => {
        const dag = await buildDag(spec);
        const api = await inProcessApi();
        const found = walk(dag);
        if (found.undecodable) {
          await expectRejected(api, dag.car, type);
          return;
        }
        const response = await postCar(api, dag.car, type);
        expectSound(response);
        expect(response.status, response.text).toBe(200);
        const { value } = response.json;
        expect(value.cid).toBe(dag.headerRoot.toString());
        expect(value.type).toBe('application/car');
        expect(Buffer.compare(storedCar(api.ports), dag.car)).toBe(0);

        const v1 = dag.headerRoot.toV1().toString();
        const content = api.ports.contents.contents.get(v1)?.record;
        expect(value.pin.cid).toBe(v1);
        if (found.missing === 0) {
          expect(content?.structure).toBe('complete');
          expect(value.pin.status).toBe('pinned');
          // Measured, whatever Tsizes the blocks declare.
          expect(value.size).toBe(found.size);
          expect(api.ports.ingestQueue.sent).toEqual([]);
        } else {
          expect(content?.structure).toBe('partial');
          expect(value.pin.status).toBe('pinning');
          expect(Number.isSafeInteger(value.size) && value.size >= 0).toBe(true);
          expect(api.ports.ingestQueue.sent).toEqual([{ kind: 'check-dag', cid: v1 }]);
        }
      }),
      { numRuns: 300 },
    );
  });

  it('rejects a CAR cut inside its header or a block, or cut before its root block', async () => {
    await fc.assert(
      fc.asyncProperty(dagSpec({ partial: false }), fc.nat(), carType, async (spec, at, type) => {
        const dag = await buildDag(spec);
        fc.pre(!walk(dag).undecodable);
        const cut = at % dag.car.byteLength;
        const truncated = dag.car.subarray(0, cut);
        const { header, regions } = blockRegions(dag);
        const kept = regions.filter((r) => r.end <= cut);
        const atBoundary = cut === header || regions.some((r) => r.end === cut);
        const hasRoot = kept.some(
          (r) => r.block.cid.multihash.bytes.join() === dag.root.multihash.bytes.join(),
        );
        const api = await inProcessApi();
        if (!atBoundary || !hasRoot) {
          await expectRejected(api, truncated, type);
          return;
        }
        const response = await postCar(api, truncated, type);
        expectSound(response);
        expect(response.status, response.text).toBe(200);
        expect(response.json.value.cid).toBe(dag.headerRoot.toString());
      }),
      { numRuns: 300 },
    );
  });

  it('never stores a CAR whose bytes changed in a block, and answers any flip soundly', async () => {
    const flip = fc.record({ at: fc.nat(), xor: fc.integer({ min: 1, max: 255 }) });
    await fc.assert(
      fc.asyncProperty(
        dagSpec({ partial: false }),
        fc.array(flip, { minLength: 1, maxLength: 3 }),
        carType,
        async (spec, flips, type) => {
          const dag = await buildDag(spec);
          fc.pre(!walk(dag).undecodable);
          const mutated = dag.car.slice();
          for (const { at, xor } of flips) {
            const i = at % mutated.byteLength;
            mutated[i] = (mutated[i] as number) ^ xor;
          }
          const api = await inProcessApi();
          const { regions } = blockRegions(dag);
          const [only] = flips;
          const inData =
            flips.length === 1 &&
            only !== undefined &&
            regions.some(
              (r) =>
                only.at % mutated.byteLength >= r.dataStart && only.at % mutated.byteLength < r.end,
            );
          if (inData) {
            await expectRejected(api, mutated, type);
            return;
          }
          const before = storedState(api.ports);
          const response = await postCar(api, mutated, type);
          expectSound(response);
          if (response.status >= 400) {
            expectNothingStored(api.ports, before);
            return;
          }
          // Still a valid CAR (a flip in a length or a CID can leave one): stored as sent.
          expect(response.status).toBe(200);
          expect(response.json.value.cid).toBe(readCar(mutated).roots[0]);
          expect(Buffer.compare(storedCar(api.ports), mutated)).toBe(0);
          for (const block of readCar(mutated).blocks) expect(await hashMatches(block)).toBe(true);
        },
      ),
      { numRuns: 300 },
    );
  });

  it('keys content by root CID: the same bytes as raw and as dag-pb are two contents', async () => {
    const pbNode = fc
      .uint8Array({ maxLength: 64 })
      .map((data) => dagPb.encode(dagPb.prepare({ Data: data })));
    await fc.assert(
      fc.asyncProperty(pbNode, async (bytes) => {
        const digest = await sha256.digest(bytes);
        const asRaw = CID.create(1, raw.code, digest);
        const asPb = CID.create(1, dagPb.code, digest);
        const asV0 = CID.createV0(digest);
        const api = await inProcessApi();
        for (const root of [asRaw, asPb, asV0]) {
          const car = await craftCar([root], [{ cid: root, bytes }]);
          const response = await postCar(api, new Uint8Array(car), 'application/car');
          expectSound(response);
          expect(response.status, response.text).toBe(200);
          expect(response.json.value.cid).toBe(root.toString());
        }
        // v0 and v1 dag-pb are one content (and one upload); raw is another.
        expect([...api.ports.contents.contents.keys()].sort()).toEqual(
          [asRaw.toString(), asPb.toString()].sort(),
        );
        expect(api.ports.uploads.uploads.size).toBe(2);
        for (const root of [asRaw, asPb, asV0]) {
          const check = await api.request('GET', `/check/${root}`, { token: null });
          expectSound(check);
          expect(check.json.value.pin.cid).toBe(root.toV1().toString());
        }
      }),
      { numRuns: 50 },
    );
  });
});
