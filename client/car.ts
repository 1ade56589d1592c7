/**
 * CARs the client sends: laid out from a DAG source without reading its leaves (lengths are
 * known), split by tree walk into CARs that share the root when the DAG is larger than a target
 * (each starts with the blocks on the path from the root to its first block, so each is a
 * connected part of the DAG), and rendered byte range by byte range — a part of a multipart
 * upload is built when it is sent, and built the same way again when a resumed upload asks.
 */
import * as CarBufferWriter from '@ipld/car/buffer-writer';
import type { CID } from 'multiformats/cid';
import type { DagSource } from './dag.ts';

export interface Section {
  cid: CID;
  /** Where the section (varint, CID, block) starts in the CAR. */
  start: number;
  size: number;
}

export interface CarLayout {
  root: CID;
  header: Uint8Array;
  sections: Section[];
  /** Bytes of the whole CAR. */
  size: number;
}

const headerOf = (root: CID) => {
  const writer = CarBufferWriter.createWriter(
    new ArrayBuffer(CarBufferWriter.headerLength({ roots: [root] })),
    { roots: [root] },
  );
  return writer.close();
};

const sectionSize = (cid: CID, length: number) =>
  CarBufferWriter.blockLength({ cid, bytes: { byteLength: length } as Uint8Array });

interface Frame {
  cid: CID;
  /** The path from the root to this block's parent (shared, immutable). */
  ancestors: Ancestors | undefined;
}
type Ancestors = { cid: CID; parent: Ancestors | undefined };

/**
 * The CARs to send for a DAG: one when it fits in `maxCarBytes`, else several sharing its
 * root, every block in exactly one of them (the path blocks repeated at each CAR's start).
 * Blocks the root does not reach (a CAR may carry some) go last.
 */
export async function layoutCars(dag: DagSource, maxCarBytes: number): Promise<CarLayout[]> {
  const header = headerOf(dag.root);
  const cars: CarLayout[] = [];
  let current: CarLayout = { root: dag.root, header, sections: [], size: header.byteLength };
  let own = 0;
  const add = (cid: CID, length: number) => {
    const size = sectionSize(cid, length);
    current.sections.push({ cid, start: current.size, size });
    current.size += size;
  };
  const place = (cid: CID, length: number, ancestors: Ancestors | undefined) => {
    if (own > 0 && current.size + sectionSize(cid, length) > maxCarBytes) {
      cars.push(current);
      current = { root: dag.root, header, sections: [], size: header.byteLength };
      own = 0;
      const path: CID[] = [];
      for (let a = ancestors; a; a = a.parent) path.unshift(a.cid);
      for (const step of path) add(step, dag.lengthOf(step) as number);
    }
    add(cid, length);
    own++;
  };

  const seen = new Set<string>();
  const stack: Frame[] = [{ cid: dag.root, ancestors: undefined }];
  for (let frame = stack.pop(); frame; frame = stack.pop()) {
    const id = frame.cid.toString();
    if (seen.has(id)) continue;
    seen.add(id);
    const length = dag.lengthOf(frame.cid);
    // A partial DAG: the block is elsewhere (another CAR, another upload).
    if (length === undefined) continue;
    place(frame.cid, length, frame.ancestors);
    const links = await dag.linksOf(frame.cid);
    const ancestors = { cid: frame.cid, parent: frame.ancestors };
    for (let i = links.length - 1; i >= 0; i--) stack.push({ cid: links[i] as CID, ancestors });
  }
  for (const cid of dag.cids()) {
    const id = cid.toString();
    if (seen.has(id)) continue;
    seen.add(id);
    const length = dag.lengthOf(cid);
    if (length !== undefined) place(cid, length, undefined);
  }
  cars.push(current);
  return cars;
}

/** Bytes `start` to `end` (exclusive) of a laid-out CAR, its blocks read from the DAG. */
export async function renderRange(
  car: CarLayout,
  dag: DagSource,
  start: number,
  end: number,
): Promise<Uint8Array> {
  const out = new Uint8Array(end - start);
  if (start < car.header.byteLength) {
    out.set(car.header.subarray(start, Math.min(end, car.header.byteLength)), 0);
  }
  const first = firstSectionEndingAfter(car.sections, start);
  const wanted: Section[] = [];
  for (let i = first; i < car.sections.length; i++) {
    const section = car.sections[i] as Section;
    if (section.start >= end) break;
    wanted.push(section);
  }
  const blocks = await Promise.all(wanted.map((section) => dag.bytesOf(section.cid)));
  for (const [i, section] of wanted.entries()) {
    const bytes = blocks[i] as Uint8Array;
    const encoded = new Uint8Array(section.size);
    CarBufferWriter.createWriter(encoded.buffer, { headerSize: 0 }).write({
      cid: section.cid,
      bytes,
    });
    // The overlap of this section with the range asked for.
    const from = Math.max(start, section.start);
    const to = Math.min(end, section.start + section.size);
    out.set(encoded.subarray(from - section.start, to - section.start), from - start);
  }
  return out;
}

/** Index of the first section that ends after `offset`. */
function firstSectionEndingAfter(sections: Section[], offset: number): number {
  let low = 0;
  let high = sections.length;
  while (low < high) {
    const mid = (low + high) >>> 1;
    const section = sections[mid] as Section;
    if (section.start + section.size <= offset) low = mid + 1;
    else high = mid;
  }
  return low;
}

/**
 * A DAG as nft.storage's client hands out encoded content: a CarReader (roots, blocks by CID,
 * every block), which `storeCar` takes back.
 */
export class DagCarReader {
  readonly version = 1;
  readonly dag: DagSource;

  constructor(dag: DagSource) {
    this.dag = dag;
  }

  async getRoots(): Promise<CID[]> {
    return [this.dag.root];
  }

  async has(cid: CID): Promise<boolean> {
    return this.dag.lengthOf(cid) !== undefined;
  }

  async get(cid: CID): Promise<{ cid: CID; bytes: Uint8Array } | undefined> {
    if (this.dag.lengthOf(cid) === undefined) return undefined;
    return { cid, bytes: await this.dag.bytesOf(cid) };
  }

  async *blocks(): AsyncGenerator<{ cid: CID; bytes: Uint8Array }> {
    for (const cid of this.dag.cids()) yield { cid, bytes: await this.dag.bytesOf(cid) };
  }

  async *cids(): AsyncGenerator<CID> {
    yield* this.dag.cids();
  }
}
