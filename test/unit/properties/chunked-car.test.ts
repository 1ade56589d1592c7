/**
 * A DAG uploaded as several CAR chunks, each with the root block, some chunks labelling a block
 * under another codec than the one it is linked as. Once the ingest queue's completeness checks
 * have run, the content is pinned only if every block the root reaches was stored, and then its
 * size is the bytes of those blocks; a DAG whose chunks carry every block as linked is pinned.
 */
import * as dagCbor from '@ipld/dag-cbor';
import * as dagPb from '@ipld/dag-pb';
import fc from 'fast-check';
import { CID } from 'multiformats/cid';
import * as raw from 'multiformats/codecs/raw';
import { describe, expect, it } from 'vitest';
import { completeDag } from '../../../lambdas/core/dag-completion.ts';
import type { Block } from '../../../lambdas/core/ipfs/block.ts';
import { inProcessApi } from '../../support/in-process-api.ts';
import { craftCar } from '../../support/ipfs-fixtures.ts';
import { type BuiltDag, buildDag, dagSpec, walk } from './dags.ts';
import { expectSound } from './invariants.ts';

const hashKey = (cid: CID) => cid.multihash.bytes.join(',');

/** Per non-root node: which chunk carries it (or none), and whether it is mislabelled there. */
const placement = fc.array(
  fc.record({ chunk: fc.integer({ min: -1, max: 2 }), relabel: fc.boolean() }),
  { minLength: 8, maxLength: 8 },
);

/** The same bytes under another codec: how a careless or hostile client might list a block. */
function relabelled(cid: CID): CID {
  const other =
    cid.code === raw.code ? dagPb.code : cid.code === dagPb.code ? dagCbor.code : raw.code;
  return CID.create(1, other, cid.multihash);
}

function chunksOf(dag: BuiltDag, places: { chunk: number; relabel: boolean }[]) {
  const rootBlock = dag.nodes.at(-1) as Block;
  const chunks: Block[][] = [[rootBlock], [rootBlock], [rootBlock]];
  dag.nodes.slice(0, -1).forEach((node, i) => {
    const place = places[i % places.length] as { chunk: number; relabel: boolean };
    if (place.chunk < 0) return;
    const cid = place.relabel ? relabelled(node.cid) : node.cid;
    (chunks[place.chunk] as Block[]).push({ cid, bytes: node.bytes });
  });
  return chunks;
}

/** The reachable blocks of the DAG, by multihash, each with the codec its links use. */
function reachable(dag: BuiltDag) {
  const byCid = new Map(dag.nodes.map((n) => [n.cid.toString(), n]));
  const found = new Map<string, { codecs: Set<number>; bytes: number }>();
  const stack = [dag.root];
  for (let cid = stack.pop(); cid; cid = stack.pop()) {
    const entry = found.get(hashKey(cid));
    if (entry?.codecs.has(cid.code)) continue;
    const node = byCid.get(cid.toString());
    if (!node) continue;
    if (entry) entry.codecs.add(cid.code);
    else found.set(hashKey(cid), { codecs: new Set([cid.code]), bytes: node.bytes.byteLength });
    stack.push(...node.links);
  }
  return found;
}

describe('chunked CARs', () => {
  it('pin a DAG only once its chunks hold every block, sized by those blocks', async () => {
    await fc.assert(
      fc.asyncProperty(dagSpec({ partial: false }), placement, async (spec, places) => {
        const dag = await buildDag(spec);
        // A CIDv0 header over a root of another codec is covered by the single-CAR properties.
        fc.pre(!walk(dag).undecodable && dag.headerRoot.code === dag.root.code);
        const chunks = chunksOf(dag, places);
        const api = await inProcessApi();
        for (const blocks of chunks) {
          const car = new Uint8Array(await craftCar([dag.headerRoot], blocks));
          const response = await api.request('POST', '/upload', {
            body: car,
            headers: { 'content-type': 'application/car' },
          });
          expectSound(response);
          expect(response.status, response.text).toBe(200);
        }
        for (const message of api.ports.ingestQueue.sent) {
          if (message.kind === 'check-dag') {
            await completeDag(message.cid, api.ports, { PARTIAL_DAG_DEADLINE_HOURS: 24 });
          }
        }

        const content = api.ports.contents.contents.get(dag.root.toString())?.record;
        const blocks = reachable(dag);
        const stored = chunks.flat();
        const storedAs = (key: string, codec: number) =>
          stored.some(
            (b) => hashKey(b.cid) === key && (b.cid.code === codec || codec === raw.code),
          );
        const holdsEveryBlock = [...blocks.keys()].every((key) =>
          stored.some((b) => hashKey(b.cid) === key),
        );
        const asLinked = [...blocks].every(([key, { codecs }]) =>
          [...codecs].every((codec) => storedAs(key, codec)),
        );
        if (content?.pinStatus === 'pinned') {
          expect(holdsEveryBlock, 'pinned without every block').toBe(true);
          const bytes = [...blocks.values()].reduce((sum, b) => sum + b.bytes, 0);
          expect(content.size).toBe(bytes);
        } else {
          expect(asLinked, 'every block is stored as linked, yet not pinned').toBe(false);
        }
      }),
      { numRuns: 300 },
    );
  });
});
