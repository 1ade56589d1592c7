/**
 * The trustless gateway (specs.ipfs.tech/http-gateways/trustless-gateway) over the real core
 * and indexer with in-memory ports: raw blocks and CARs, every parameter and header, checked
 * by a reader that hashes every block and reads files back from the CAR's blocks alone.
 */
import { CID } from 'multiformats/cid';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  fileFromCar,
  readVerifiedCar,
  treeFromCar,
  type VerifiedCar,
} from '../../support/car-check.ts';
import { GatewayWorld } from '../../support/gateway-world.ts';
import { sameBytes, utf8 } from '../../support/ipfs-fixtures.ts';
import {
  CHUNK,
  directory,
  directoryWithIdentityChild,
  file,
  identityCid,
  multiChunkFile,
  nestedDirectory,
  nftStore,
  shardedDirectory,
} from './fixtures.ts';

const IMMUTABLE = 'public, max-age=29030400, immutable';
const CAR_TYPE = 'application/vnd.ipld.car;version=1;order=dfs;dups=n';

const world = new GatewayWorld();
let big: Awaited<ReturnType<typeof multiChunkFile>>;
let dir: Awaited<ReturnType<typeof nestedDirectory>>;

beforeAll(async () => {
  big = await multiChunkFile();
  dir = await nestedDirectory();
  await world.storeCar([big.root], big.blocks);
  await world.storeCar([dir.root], dir.blocks);
});

async function car(path: string, headers: Record<string, string> = {}) {
  const answer = await world.request(path, { headers });
  expect(answer.status, answer.text()).toBe(200);
  expect(answer.cutOff).toBeUndefined();
  return { answer, car: await readVerifiedCar(answer.body) };
}

const cids = (c: VerifiedCar) => c.blocks.map((b) => b.cid.toString());

describe('raw blocks', () => {
  it('answers ?format=raw with the exact block and every trustless header', async () => {
    const leaf = big.blocks[1];
    if (!leaf) throw new Error('no leaf');
    const answer = await world.request(`/ipfs/${leaf.cid}?format=raw`);
    expect(answer.status).toBe(200);
    expect(sameBytes(answer.body, leaf.bytes)).toBe('same');
    expect(answer.headers).toMatchObject({
      'content-type': 'application/vnd.ipld.raw',
      'content-length': String(leaf.bytes.byteLength),
      'content-disposition': `attachment; filename="${leaf.cid}.bin"`,
      'x-content-type-options': 'nosniff',
      'cache-control': IMMUTABLE,
      etag: `"${leaf.cid}.raw"`,
      'x-ipfs-path': `/ipfs/${leaf.cid}`,
      'x-ipfs-roots': leaf.cid.toString(),
      'accept-ranges': 'bytes',
      vary: 'Accept',
    });
  });

  it('negotiates raw from Accept, and ?format= wins over Accept', async () => {
    const byAccept = await world.request(`/ipfs/${big.root}`, {
      headers: { accept: 'application/vnd.ipld.raw' },
    });
    expect(byAccept.headers['content-type']).toBe('application/vnd.ipld.raw');
    expect(sameBytes(byAccept.body, big.blocks[0]?.bytes as Uint8Array)).toBe('same');
    const queryWins = await world.request(`/ipfs/${big.root}?format=raw`, {
      headers: { accept: 'application/vnd.ipld.car' },
    });
    expect(queryWins.headers['content-type']).toBe('application/vnd.ipld.raw');
    const carWins = await world.request(`/ipfs/${big.root}?format=car`, {
      headers: { accept: 'application/vnd.ipld.raw' },
    });
    expect(carWins.headers['content-type']).toBe(CAR_TYPE);
  });

  it('serves any block of any stored DAG, by CIDv0 or CIDv1 and any codec naming its bytes', async () => {
    const inner = dir.blocks.at(-1);
    if (!inner) throw new Error('no block');
    const answer = await world.request(`/ipfs/${inner.cid}?format=raw`);
    expect(sameBytes(answer.body, inner.bytes)).toBe('same');
    const v0 = big.root.toV0();
    const byV0 = await world.request(`/ipfs/${v0}?format=raw`);
    expect(byV0.status).toBe(200);
    expect(byV0.headers.etag).toBe(`"${v0}.raw"`);
    expect(sameBytes(byV0.body, big.blocks[0]?.bytes as Uint8Array)).toBe('same');
  });

  it('names the download after ?filename=', async () => {
    const answer = await world.request(`/ipfs/${big.root}?format=raw&filename=foobar.bin`);
    expect(answer.headers['content-disposition']).toBe('attachment; filename="foobar.bin"');
    const unicode = await world.request(
      `/ipfs/${big.root}?format=raw&filename=${encodeURIComponent('bloc ü.bin')}`,
    );
    expect(unicode.headers['content-disposition']).toBe(
      `attachment; filename="bloc _.bin"; filename*=UTF-8''bloc%20%C3%BC.bin`,
    );
  });

  it('answers a Range of a block with 206, and an unsatisfiable one with 416', async () => {
    const leaf = big.blocks[2]?.bytes as Uint8Array;
    const cid = big.blocks[2]?.cid;
    const part = await world.request(`/ipfs/${cid}?format=raw`, {
      headers: { range: 'bytes=100-199' },
    });
    expect(part.status).toBe(206);
    expect(part.headers['content-range']).toBe(`bytes 100-199/${leaf.byteLength}`);
    expect(part.headers['content-length']).toBe('100');
    expect(sameBytes(part.body, leaf.subarray(100, 200))).toBe('same');
    const suffix = await world.request(`/ipfs/${cid}?format=raw`, {
      headers: { range: 'bytes=-10' },
    });
    expect(sameBytes(suffix.body, leaf.subarray(-10))).toBe('same');
    const beyond = await world.request(`/ipfs/${cid}?format=raw`, {
      headers: { range: `bytes=${leaf.byteLength}-` },
    });
    expect(beyond.status).toBe(416);
    expect(beyond.headers['content-range']).toBe(`bytes */${leaf.byteLength}`);
  });

  it('answers HEAD with the headers of GET and no body', async () => {
    const get = await world.request(`/ipfs/${big.root}?format=raw`);
    const head = await world.request(`/ipfs/${big.root}?format=raw`, { method: 'HEAD' });
    expect(head.status).toBe(200);
    expect(head.body.byteLength).toBe(0);
    expect(head.headers).toEqual(get.headers);
  });

  it('answers If-None-Match with 304 when the ETag matches, weakly or in a list', async () => {
    const etag = `"${big.root}.raw"`;
    for (const ifNoneMatch of [etag, `W/${etag}`, `"other", ${etag}`, '*']) {
      const answer = await world.request(`/ipfs/${big.root}?format=raw`, {
        headers: { 'if-none-match': ifNoneMatch },
      });
      expect(answer.status, ifNoneMatch).toBe(304);
      expect(answer.body.byteLength).toBe(0);
      expect(answer.headers.etag).toBe(etag);
      expect(answer.headers['cache-control']).toBe(IMMUTABLE);
    }
    const other = await world.request(`/ipfs/${big.root}?format=raw`, {
      headers: { 'if-none-match': `"${big.root}.car"` },
    });
    expect(other.status).toBe(200);
  });
});

describe('the probe and identity CIDs', () => {
  it('answers the probe bafkqaaa: an empty raw block, HEAD too, without a lookup', async () => {
    const before = world.lookups;
    for (const method of ['GET', 'HEAD']) {
      const answer = await world.request('/ipfs/bafkqaaa?format=raw', { method });
      expect(answer.status).toBe(200);
      expect(answer.headers['content-length']).toBe('0');
      expect(answer.headers['content-type']).toBe('application/vnd.ipld.raw');
      expect(answer.body.byteLength).toBe(0);
    }
    expect(world.lookups).toBe(before);
  });

  it('answers the probe as a CAR whose root is bafkqaaa and which holds no block', async () => {
    const { car: probe } = await car('/ipfs/bafkqaaa?format=car');
    expect(probe.roots.map(String)).toEqual(['bafkqaaa']);
    expect(probe.blocks).toEqual([]);
    const head = await world.request('/ipfs/bafkqaaa', {
      method: 'HEAD',
      headers: { accept: 'application/vnd.ipld.car' },
    });
    expect(head.status).toBe(200);
  });

  it('answers an identity CID from the CID itself, raw and deserialized', async () => {
    const cid = identityCid(utf8('hello identity'));
    const rawAnswer = await world.request(`/ipfs/${cid}?format=raw`);
    expect(rawAnswer.text()).toBe('hello identity');
    const file = await world.request(`/ipfs/${cid}`);
    expect(file.status).toBe(200);
    expect(file.text()).toBe('hello identity');
  });

  it('never writes an identity block into a CAR, even with dups=y', async () => {
    const fixture = await directoryWithIdentityChild();
    await world.storeCar([fixture.root], fixture.blocks);
    for (const dups of ['n', 'y']) {
      const { car: answer } = await car(`/ipfs/${fixture.root}?format=car&car-dups=${dups}`);
      expect(cids(answer)).toEqual([fixture.root.toString(), fixture.storedCid.toString()]);
    }
    const { car: inline } = await car(`/ipfs/${fixture.root}/inline.txt?format=car`);
    expect(cids(inline)).toEqual([fixture.root.toString()]);
    expect(new TextDecoder().decode(await fileFromCar(inline, `${fixture.root}/inline.txt`))).toBe(
      'inline!',
    );
  });

  it('refuses identity CIDs longer than 128 bytes (IPIP-0512)', async () => {
    const answer = await world.request(`/ipfs/${identityCid(new Uint8Array(129))}?format=raw`);
    expect(answer.status).toBe(400);
    expect(answer.text()).toMatch(/128 bytes/);
  });
});

describe('misses', () => {
  it('answers an unknown CID 404 after a single lookup, never cached', async () => {
    const unknown = (await file(utf8('never stored'))).root;
    for (const query of ['?format=raw', '?format=car', '']) {
      const before = world.lookups;
      const answer = await world.request(`/ipfs/${unknown}${query}`);
      expect(answer.status, query).toBe(404);
      expect(answer.headers['cache-control']).toBe('no-cache');
      expect(world.lookups - before, query).toBe(1);
    }
  });

  it('answers 412 instead for Cache-Control: only-if-cached', async () => {
    const unknown = (await file(utf8('not here either'))).root;
    const miss = await world.request(`/ipfs/${unknown}?format=raw`, {
      headers: { 'cache-control': 'only-if-cached' },
    });
    expect(miss.status).toBe(412);
    const hit = await world.request(`/ipfs/${big.root}?format=raw`, {
      headers: { 'cache-control': 'only-if-cached' },
    });
    expect(hit.status).toBe(200);
  });

  it('answers 404 for a path that leads nowhere', async () => {
    const answer = await world.request(`/ipfs/${dir.root}/images/nope.png?format=car`);
    expect(answer.status).toBe(404);
  });

  it('ends the CAR stream when a block is missing after the response began', async () => {
    const other = await file(Buffer.concat([Buffer.alloc(CHUNK, 1), Buffer.alloc(CHUNK, 2)]));
    // The root and the first leaf are stored; the second leaf is not.
    await world.storeCar([other.root], other.blocks.slice(0, 2));
    const answer = await world.request(`/ipfs/${other.root}?format=car`);
    expect(answer.status).toBe(200);
    expect(answer.cutOff).toBeDefined();
    // What did arrive is a well-formed, verifiable CAR prefix.
    const prefix = await readVerifiedCar(answer.body);
    expect(cids(prefix)).toEqual(other.blocks.slice(0, 2).map((b) => b.cid.toString()));
  });

  it('stops the CAR walk cleanly when the client goes away mid-stream', async () => {
    const partial = await world.request(`/ipfs/${big.root}?format=car`, { takeChunks: 2 });
    expect(partial.abandoned).toBe(true);
    // Let the abandoned walk wind down: nothing it leaves may surface as an unhandled error.
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(world.errors).toEqual([]);
    // The same container serves the whole CAR afterwards.
    const { car: whole } = await car(`/ipfs/${big.root}?format=car`);
    expect(cids(whole)).toHaveLength(big.blocks.length);
  });

  it('answers a missing child before the response began with 404, not 500', async () => {
    const other = await file(Buffer.concat([Buffer.alloc(CHUNK, 3), Buffer.alloc(CHUNK, 4)]));
    await world.storeCar([other.root], other.blocks.slice(0, 1));
    const answer = await world.request(`/ipfs/${other.root}`);
    expect(answer.status).toBe(404);
    expect(world.errors).toEqual([]);
  });
});

describe('CARs', () => {
  it('streams a multi-chunk file with every block, depth-first, and the CAR headers', async () => {
    const { answer, car: got } = await car(`/ipfs/${big.root}?format=car`);
    expect(answer.headers).toMatchObject({
      'content-type': CAR_TYPE,
      'content-disposition': `attachment; filename="${big.root}.car"`,
      'x-content-type-options': 'nosniff',
      'accept-ranges': 'none',
      'cache-control': IMMUTABLE,
      'x-ipfs-path': `/ipfs/${big.root}`,
      'x-ipfs-roots': big.root.toString(),
    });
    expect(answer.headers.etag).toMatch(new RegExp(`^W/"${big.root}\\.car\\.[\\w-]+"$`));
    expect(got.version).toBe(1);
    expect(got.roots.map(String)).toEqual([big.root.toString()]);
    expect(cids(got)).toEqual(big.blocks.map((b) => b.cid.toString()));
    expect(sameBytes(await fileFromCar(got, big.root.toString()), big.content)).toBe('same');
  });

  it('streams a nested directory whole (dag-scope=all is the default)', async () => {
    const { car: got } = await car(`/ipfs/${dir.root}?format=car&dag-scope=all`);
    const tree = await treeFromCar(got, dir.root.toString());
    expect([...tree.keys()].sort()).toEqual([...dir.files.keys()].sort());
    for (const [name, content] of dir.files) {
      expect(sameBytes(tree.get(name) as Uint8Array, content), name).toBe('same');
    }
    // Each block once, parents before children.
    expect(new Set(cids(got)).size).toBe(got.blocks.length);
    expect(cids(got)[0]).toBe(dir.root.toString());
  });

  it('puts the path blocks first and roots the CAR at the requested CID', async () => {
    const path = 'images/deep/er/big.bin';
    const { answer, car: got } = await car(`/ipfs/${dir.root}/${path}?format=car`);
    expect(got.roots.map(String)).toEqual([dir.root.toString()]);
    const roots = answer.headers['x-ipfs-roots']?.split(',') ?? [];
    expect(roots).toHaveLength(5);
    expect(roots[0]).toBe(dir.root.toString());
    expect(cids(got).slice(0, 4)).toEqual(roots.slice(0, 4));
    expect(cids(got)[4]).toBe(roots[4]);
    expect(
      sameBytes(await fileFromCar(got, `${dir.root}/${path}`), dir.files.get(path) as Uint8Array),
    ).toBe('same');
    expect(answer.headers['x-ipfs-path']).toBe(`/ipfs/${dir.root}/${path}`);
  });

  it('resolves percent-encoded path segments', async () => {
    const name = 'with space/ünï cödé.txt';
    const encoded = name.split('/').map(encodeURIComponent).join('/');
    const { car: got } = await car(`/ipfs/${dir.root}/${encoded}?format=car`);
    expect(new TextDecoder().decode(await fileFromCar(got, `${dir.root}/${name}`))).toBe(
      'unicode path\n',
    );
  });

  it('dag-scope=block: only the terminal block, after the path', async () => {
    const { car: fileBlock } = await car(`/ipfs/${big.root}?format=car&dag-scope=block`);
    expect(cids(fileBlock)).toEqual([big.root.toString()]);
    const { answer, car: inDir } = await car(`/ipfs/${dir.root}/images?format=car&dag-scope=block`);
    const [root, images] = answer.headers['x-ipfs-roots']?.split(',') ?? [];
    expect(cids(inDir)).toEqual([root, images]);
  });

  it('dag-scope=entity: a whole file, but only the block of a directory', async () => {
    const { car: wholeFile } = await car(`/ipfs/${big.root}?format=car&dag-scope=entity`);
    expect(cids(wholeFile)).toEqual(big.blocks.map((b) => b.cid.toString()));
    const { car: dirOnly } = await car(`/ipfs/${dir.root}?format=car&dag-scope=entity`);
    expect(cids(dirOnly)).toEqual([dir.root.toString()]);
  });

  it('dag-scope=entity on a HAMT directory: its shards, none of its entries', async () => {
    const sharded = await shardedDirectory();
    await world.storeCar([sharded.root], sharded.blocks);
    const { car: shards } = await car(`/ipfs/${sharded.root}?format=car&dag-scope=entity`);
    expect(shards.blocks.length).toBeGreaterThan(1);
    // Every block is a shard: listing them all needs no other block.
    const listed: string[] = [];
    const { exporter } = await import('ipfs-unixfs-exporter');
    const { blocksOnly } = await import('../../support/car-check.ts');
    const entry = await exporter(sharded.root, blocksOnly(shards.blocks));
    if (entry.type !== 'directory') throw new Error('not a directory');
    for await (const child of entry.entries()) listed.push(child.name);
    expect(listed).toHaveLength(sharded.files.size);
    // The entries are small files, each a raw block; the shards are dag-pb.
    expect(shards.blocks.filter((b) => b.cid.code !== 0x70)).toEqual([]);
    // And a file inside it resolves through the shards.
    const name = 'file-with-a-long-enough-name-01234.txt';
    const { car: one } = await car(`/ipfs/${sharded.root}/${name}?format=car`);
    expect(new TextDecoder().decode(await fileFromCar(one, `${sharded.root}/${name}`))).toBe(
      'file 1234\n',
    );
  });

  it('entity-bytes: only the blocks a byte range needs, with negative offsets and *', async () => {
    const size = big.content.byteLength;
    const leaves = big.blocks.slice(1).map((b) => b.cid.toString());
    const cases: [string, number, number, string[]][] = [
      ['0:0', 0, 1, [leaves[0] as string]],
      [`${CHUNK}:${CHUNK + 9}`, CHUNK, 10, [leaves[1] as string]],
      [`${CHUNK - 1}:${CHUNK}`, CHUNK - 1, 2, leaves.slice(0, 2)],
      ['-1000:*', size - 1000, 1000, [leaves[3] as string]],
      [`${2 * CHUNK}:-1001`, 2 * CHUNK, CHUNK, [leaves[2] as string]],
      ['0:*', 0, size, leaves],
    ];
    for (const [range, offset, length, expected] of cases) {
      const { car: got } = await car(`/ipfs/${big.root}?format=car&entity-bytes=${range}`);
      expect(cids(got), range).toEqual([big.root.toString(), ...expected]);
      const bytes = await fileFromCar(got, big.root.toString(), { offset, length });
      expect(sameBytes(bytes, big.content.subarray(offset, offset + length)), range).toBe('same');
    }
    // Past the end: nothing of the file but its root block.
    const { car: past } = await car(`/ipfs/${big.root}?format=car&entity-bytes=${size + 10}:*`);
    expect(cids(past)).toEqual([big.root.toString()]);
    // On something that is not a file it is dag-scope=entity.
    const { car: onDir } = await car(`/ipfs/${dir.root}?format=car&entity-bytes=0:10`);
    expect(cids(onDir)).toEqual([dir.root.toString()]);
  });

  it('car-dups=y repeats a block each time the walk meets it; n (the default) sends it once', async () => {
    const twice = await directory([
      { name: 'a.txt', content: utf8('same bytes') },
      { name: 'b.txt', content: utf8('same bytes') },
      { name: 'sub/c.txt', content: utf8('same bytes') },
    ]);
    await world.storeCar([twice.root], twice.blocks);
    const { answer: once, car: deduped } = await car(`/ipfs/${twice.root}?format=car`);
    const leaf = twice.blocks.find((b) => b.cid.code === 0x55)?.cid.toString();
    expect(cids(deduped).filter((c) => c === leaf)).toHaveLength(1);
    const { answer: repeated, car: dups } = await car(`/ipfs/${twice.root}?format=car&car-dups=y`);
    expect(cids(dups).filter((c) => c === leaf)).toHaveLength(3);
    expect(repeated.headers['content-type']).toBe(
      'application/vnd.ipld.car;version=1;order=dfs;dups=y',
    );
    expect(repeated.headers.etag).not.toBe(once.headers.etag);
  });

  it('takes version, order and dups from Accept; the query parameters win over them', async () => {
    const byAccept = await world.request(`/ipfs/${big.root}`, {
      headers: { accept: 'application/vnd.ipld.car; version=1; order=unk; dups=y' },
    });
    expect(byAccept.headers['content-type']).toBe(
      'application/vnd.ipld.car;version=1;order=dfs;dups=y',
    );
    const queryWins = await world.request(`/ipfs/${big.root}?car-dups=n&car-order=dfs`, {
      headers: { accept: 'application/vnd.ipld.car; order=unk; dups=y' },
    });
    expect(queryWins.headers['content-type']).toBe(CAR_TYPE);
    const badVersion = await world.request(`/ipfs/${big.root}`, {
      headers: { accept: 'application/vnd.ipld.car; version=2' },
    });
    expect(badVersion.status).toBe(400);
    const preferred = await world.request(`/ipfs/${big.root}`, {
      headers: { accept: 'application/vnd.ipld.raw;q=0.5, application/vnd.ipld.car' },
    });
    expect(preferred.headers['content-type']).toBe(CAR_TYPE);
  });

  it('gives each path, scope, range and dups its own ETag, and answers 304 to it', async () => {
    const variants = [
      `/ipfs/${big.root}?format=car`,
      `/ipfs/${big.root}?format=car&dag-scope=block`,
      `/ipfs/${big.root}?format=car&dag-scope=entity`,
      `/ipfs/${big.root}?format=car&entity-bytes=0:10`,
      `/ipfs/${big.root}?format=car&entity-bytes=0:11`,
      `/ipfs/${big.root}?format=car&car-dups=y`,
      `/ipfs/${dir.root}/images?format=car`,
      `/ipfs/${dir.root}/images/cat.png?format=car`,
    ];
    const etags = await Promise.all(
      variants.map(async (path) => (await world.request(path, { method: 'HEAD' })).headers.etag),
    );
    expect(new Set(etags).size).toBe(variants.length);
    for (const [i, path] of variants.entries()) {
      const answer = await world.request(path, { headers: { 'if-none-match': etags[i] ?? '' } });
      expect(answer.status, path).toBe(304);
    }
    const sameAgain = await world.request(variants[0] as string, { method: 'HEAD' });
    expect(sameAgain.headers.etag).toBe(etags[0]);
  });

  it('streams a DAG spread over several CARs, as a chunked upload stores it', async () => {
    const chunked = await file(
      Buffer.concat(Array.from({ length: 6 }, (_, i) => Buffer.alloc(CHUNK, i + 20))),
    );
    const cars = await world.storeChunked(chunked.root, chunked.blocks, 3);
    expect(cars).toHaveLength(3);
    world.forget();
    const { car: got } = await car(`/ipfs/${chunked.root}?format=car`);
    expect(sameBytes(await fileFromCar(got, chunked.root.toString()), chunked.content)).toBe(
      'same',
    );
  });

  it('streams an ERC-1155 /store DAG: dag-cbor root, its files and metadata.json', async () => {
    const nft = await nftStore();
    await world.storeCar([nft.root], nft.blocks);
    const { car: got } = await car(`/ipfs/${nft.root}?format=car`);
    expect(new Set(cids(got))).toEqual(new Set(nft.blocks.map((b) => b.cid.toString())));
    expect(sameBytes(await fileFromCar(got, `${nft.root}/image/cat.png`), nft.image)).toBe('same');
    const metadata = JSON.parse(
      new TextDecoder().decode(await fileFromCar(got, `${nft.root}/metadata.json`)),
    );
    expect(metadata.image).toMatch(/^ipfs:\/\/bafy.+\/cat\.png$/);
    // A path through the dag-cbor root into a file.
    const { car: viaPath } = await car(`/ipfs/${nft.root}/properties/video/clip.mp4?format=car`);
    expect(viaPath.roots.map(String)).toEqual([nft.root.toString()]);
    expect((await fileFromCar(viaPath, `${nft.root}/properties/video/clip.mp4`)).byteLength).toBe(
      CHUNK + 10,
    );
  });

  it('answers HEAD for a CAR without a body', async () => {
    const head = await world.request(`/ipfs/${big.root}?format=car`, { method: 'HEAD' });
    expect(head.status).toBe(200);
    expect(head.body.byteLength).toBe(0);
    expect(head.headers['content-type']).toBe(CAR_TYPE);
  });

  it('parses CIDs of any base', async () => {
    const base32 = big.root.toString();
    const base58 = big.root.toString((await import('multiformats/bases/base58')).base58btc);
    expect(CID.parse(base58).equals(big.root)).toBe(true);
    const answer = await world.request(`/ipfs/${base58}?format=raw`);
    expect(answer.status).toBe(200);
    expect(answer.headers['x-ipfs-roots']).toBe(base32);
  });
});
