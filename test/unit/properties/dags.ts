/**
 * Arbitrary DAGs of raw, dag-pb and dag-cbor blocks (and some that no codec reads), and CARs
 * of them: blocks in any order, repeated, left out, with roots written as CIDv0 or CIDv1.
 * Built with @ipld/dag-pb, @ipld/dag-cbor and multiformats, never with the code under test.
 */
import * as CarBufferWriter from '@ipld/car/buffer-writer';
import * as dagCbor from '@ipld/dag-cbor';
import * as dagPb from '@ipld/dag-pb';
import fc from 'fast-check';
import { CID } from 'multiformats/cid';
import * as raw from 'multiformats/codecs/raw';
import type { MultihashDigest } from 'multiformats/hashes/interface';
import { sha256, sha512 } from 'multiformats/hashes/sha2';
import type { Block } from '../../../lambdas/core/ipfs/block.ts';
import { craftCar } from '../../support/ipfs-fixtures.ts';

/** dag-json: a real codec whose links pinstack does not read. */
const DAG_JSON = 0x0129;

type Kind = 'raw' | 'dag-pb' | 'dag-cbor' | 'garbage-pb' | 'garbage-cbor' | 'dag-json';

interface NodeSpec {
  kind: Kind;
  hash: 'sha2-256' | 'sha2-512';
  data: Uint8Array;
  /** Earlier nodes this one links to (taken modulo its index). */
  links: { to: number; name: string; tsize: number }[];
  value: fc.JsonValue;
}

export interface DagSpec {
  nodes: NodeSpec[];
  /** Whether the header names the root as CIDv0 (only possible for a sha2-256 root). */
  rootV0: boolean;
  /** Positions (modulo the block count) of non-root blocks to leave out of the CAR. */
  omit: number[];
  /** Positions of blocks to write twice. */
  repeat: number[];
  /** A permutation seed for block order. */
  order: number[];
}

/** Tsizes a client may claim: small, or big enough that two of them are no safe integer. */
const tsize = fc.oneof(
  { weight: 6, arbitrary: fc.nat({ max: 10_000 }) },
  { weight: 1, arbitrary: fc.constantFrom(2 ** 52, 2 ** 53 - 1) },
);

const nodeSpec: fc.Arbitrary<NodeSpec> = fc.record({
  kind: fc.oneof(
    { weight: 4, arbitrary: fc.constant('raw' as const) },
    { weight: 4, arbitrary: fc.constant('dag-pb' as const) },
    { weight: 3, arbitrary: fc.constant('dag-cbor' as const) },
    {
      weight: 1,
      arbitrary: fc.constantFrom('garbage-pb', 'garbage-cbor', 'dag-json') as fc.Arbitrary<Kind>,
    },
  ),
  hash: fc.oneof(
    { weight: 5, arbitrary: fc.constant('sha2-256' as const) },
    { weight: 1, arbitrary: fc.constant('sha2-512' as const) },
  ),
  data: fc.uint8Array({ maxLength: 48 }),
  links: fc.array(fc.record({ to: fc.nat(), name: fc.string({ maxLength: 6 }), tsize }), {
    maxLength: 4,
  }),
  value: fc.jsonValue({ maxDepth: 2 }),
});

export const dagSpec = (options: { partial?: boolean } = {}): fc.Arbitrary<DagSpec> =>
  fc.record({
    nodes: fc.array(nodeSpec, { minLength: 1, maxLength: 7 }),
    rootV0: fc.boolean(),
    omit: options.partial === false ? fc.constant([]) : fc.array(fc.nat(), { maxLength: 2 }),
    repeat: fc.array(fc.nat(), { maxLength: 2 }),
    order: fc.array(fc.nat(), { minLength: 8, maxLength: 8 }),
  });

export interface BuiltNode extends Block {
  kind: Kind;
  /** Links as built (none for raw and undecodable blocks). */
  links: CID[];
  tsizes: number[];
}

export interface BuiltDag {
  root: CID;
  /** The root as the CAR header names it. */
  headerRoot: CID;
  nodes: BuiltNode[];
  /** The CAR's blocks, in order. */
  blocks: Block[];
  car: Uint8Array;
}

export async function buildDag(spec: DagSpec): Promise<BuiltDag> {
  const nodes: BuiltNode[] = [];
  for (const [i, node] of spec.nodes.entries()) {
    const links =
      i === 0 ? [] : node.links.map((l) => ({ ...l, cid: (nodes[l.to % i] as BuiltNode).cid }));
    let bytes: Uint8Array;
    let code: number;
    let built: CID[] = [];
    let tsizes: number[] = [];
    switch (node.kind) {
      case 'raw':
        [bytes, code] = [node.data, raw.code];
        break;
      case 'dag-pb': {
        const pbLinks = links.map((l) => ({ Hash: l.cid, Name: l.name, Tsize: l.tsize }));
        const prepared = dagPb.prepare({ Data: node.data, Links: pbLinks });
        [bytes, code] = [dagPb.encode(prepared), dagPb.code];
        built = prepared.Links.map((l) => l.Hash);
        tsizes = prepared.Links.map((l) => l.Tsize ?? 0);
        break;
      }
      case 'dag-cbor':
        bytes = dagCbor.encode({ value: node.value, links: links.map((l) => l.cid) });
        [code, built] = [dagCbor.code, links.map((l) => l.cid)];
        break;
      case 'garbage-pb':
        [bytes, code] = [node.data, dagPb.code];
        break;
      case 'garbage-cbor':
        [bytes, code] = [node.data, dagCbor.code];
        break;
      case 'dag-json':
        [bytes, code] = [new TextEncoder().encode(JSON.stringify(node.value)), DAG_JSON];
        break;
    }
    const hasher = node.hash === 'sha2-256' ? sha256 : sha512;
    const cid = CID.create(1, code, await hasher.digest(bytes));
    nodes.push({ cid, bytes, kind: node.kind, links: built, tsizes });
  }
  const rootNode = nodes.at(-1) as BuiltNode;
  const root = rootNode.cid;
  const headerRoot =
    spec.rootV0 && root.multihash.code === sha256.code
      ? CID.createV0(root.multihash as MultihashDigest<typeof sha256.code>)
      : root;

  const omitted = new Set(
    spec.omit.filter(() => nodes.length > 1).map((n) => n % (nodes.length - 1)),
  );
  let blocks: Block[] = nodes.filter((_, i) => !omitted.has(i));
  for (const n of spec.repeat) blocks.push(blocks[n % blocks.length] as Block);
  blocks = permute(blocks, spec.order);
  const car = await craftCar([headerRoot], blocks);
  return { root, headerRoot, nodes, blocks, car: new Uint8Array(car) };
}

function permute<T>(items: T[], seeds: number[]): T[] {
  const out = [...items];
  for (let i = out.length - 1; i > 0; i--) {
    const j = (seeds[i % seeds.length] ?? 0) % (i + 1);
    [out[i], out[j]] = [out[j] as T, out[i] as T];
  }
  return out;
}

/** Whether the block's bytes decode under its CID's codec (so its links can be read). */
export function decodes(cid: CID, bytes: Uint8Array): boolean {
  try {
    if (cid.code === dagPb.code) dagPb.decode(bytes);
    else if (cid.code === dagCbor.code) dagCbor.decode(bytes);
    else if (cid.code !== raw.code) return false;
    return true;
  } catch {
    return false;
  }
}

const hashKey = (cid: CID) => cid.multihash.bytes.join(',');

/**
 * What a walk from the root finds over the CAR's blocks: the bytes of the distinct blocks
 * reached (a multihash reached under two codecs is one block, read under each), how many
 * links are missing, and whether a reached block cannot be decoded.
 */
export function walk(dag: BuiltDag) {
  const present = new Map(dag.blocks.map((b) => [hashKey(b.cid), b]));
  const byCid = new Map(dag.nodes.map((n) => [n.cid.toString(), n]));
  const visited = new Set<string>();
  const counted = new Set<string>();
  let size = 0;
  let missing = 0;
  let undecodable = false;
  const stack: CID[] = [dag.headerRoot.toV1()];
  for (let cid = stack.pop(); cid; cid = stack.pop()) {
    if (visited.has(cid.toString())) continue;
    visited.add(cid.toString());
    const block = present.get(hashKey(cid));
    if (!block) {
      missing++;
      continue;
    }
    if (!counted.has(hashKey(cid))) size += block.bytes.byteLength;
    counted.add(hashKey(cid));
    if (!decodes(cid, block.bytes)) {
      undecodable = true;
      continue;
    }
    stack.push(...(byCid.get(cid.toString())?.links ?? []));
  }
  return { size, missing, undecodable };
}

/** Where each block's bytes (after its length and CID) start and end in the CAR. */
export function blockRegions(dag: BuiltDag) {
  let at = CarBufferWriter.headerLength({ roots: [dag.headerRoot] });
  const header = at;
  const regions = dag.blocks.map((block) => {
    const end = at + CarBufferWriter.blockLength(block);
    const region = { start: at, dataStart: end - block.bytes.byteLength, end, block };
    at = end;
    return region;
  });
  return { header, regions };
}
