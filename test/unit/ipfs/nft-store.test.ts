import * as dagCbor from '@ipld/dag-cbor';
import { importer } from 'ipfs-unixfs-importer';
import { CID } from 'multiformats/cid';
import { sha256 } from 'multiformats/hashes/sha2';
import { describe, expect, it } from 'vitest';
import { encodeCar, validateCar } from '../../../lambdas/core/ipfs/car.ts';
import { buildNftStore, type NftFile } from '../../../lambdas/core/ipfs/nft-store.ts';
import { exportFile, utf8 } from '../../support/ipfs-fixtures.ts';

const image: NftFile = {
  field: 'image',
  name: 'cat.png',
  type: 'image/png',
  content: utf8('fake image'),
};

async function built(meta: unknown, files: NftFile[]) {
  const result = await buildNftStore(meta, files);
  if (!result.ok) throw new Error(result.error.message);
  return result.value;
}

/**
 * The same DAG assembled step by step the way nft.storage's `Token.encode` does it, straight on
 * ipfs-unixfs-importer defaults (no pinstack code): JSON copies of meta, one wrapped import per
 * file, URL into the data copy and CID into the DAG copy, then metadata.json and the cbor root.
 */
async function nftStorageStyleRoot(meta: object, files: NftFile[]): Promise<string> {
  const sink = { put: (cid: CID) => cid };
  const data = JSON.parse(JSON.stringify(meta));
  const dag = JSON.parse(JSON.stringify(meta));
  const setIn = (target: Record<string, unknown>, path: string[], value: unknown) => {
    let node: Record<string, unknown> = target;
    for (const key of path.slice(0, -1)) node = node[key] as Record<string, unknown>;
    node[path.at(-1) as string] = value;
  };
  for (const file of files) {
    let dir: CID | undefined;
    const name = file.name || 'blob';
    const source = [{ path: name, content: file.content }];
    for await (const entry of importer(source, sink, { wrapWithDirectory: true })) dir = entry.cid;
    setIn(data, file.field.split('.'), `ipfs://${dir}/${name}`);
    setIn(dag, file.field.split('.'), dir);
  }
  let metadataJson: CID | undefined;
  for await (const entry of importer([{ content: utf8(JSON.stringify(data)) }], sink)) {
    metadataJson = entry.cid;
  }
  const bytes = dagCbor.encode({ ...dag, 'metadata.json': metadataJson, type: 'nft' });
  return CID.create(1, dagCbor.code, await sha256.digest(bytes)).toString();
}

describe('buildNftStore', () => {
  it('builds the ERC-1155 DAG: cbor root with links, metadata.json with ipfs:// URLs', async () => {
    const meta = { name: 'Pinpie', description: 'Pin is not delicious beef!' };
    const { root, blocks, data } = await built(meta, [image]);

    expect(root.version).toBe(1);
    expect(root.code).toBe(dagCbor.code);
    expect(root.multihash.code).toBe(sha256.code);
    expect(blocks[0]?.cid.equals(root)).toBe(true);

    const rootValue = dagCbor.decode(blocks[0]?.bytes ?? new Uint8Array()) as Record<
      string,
      unknown
    >;
    expect(rootValue.name).toBe('Pinpie');
    expect(rootValue.type).toBe('nft');
    const imageDir = CID.asCID(rootValue.image);
    const metadataJson = CID.asCID(rootValue['metadata.json']);
    expect(imageDir?.code).toBe(0x70); // a wrapping directory
    expect(metadataJson?.code).toBe(0x55); // small JSON: one raw block, unwrapped

    expect(data).toEqual({
      name: 'Pinpie',
      description: 'Pin is not delicious beef!',
      image: `ipfs://${imageDir}/cat.png`,
    });
    expect(await exportFile(`${imageDir}/cat.png`, blocks)).toEqual(utf8('fake image'));
    const json = await exportFile(String(metadataJson), blocks);
    expect(new TextDecoder().decode(json)).toBe(JSON.stringify(data));
    expect(meta).toEqual({ name: 'Pinpie', description: 'Pin is not delicious beef!' }); // untouched
  });

  it('gives the same root as the nft.storage client algorithm on plain importer defaults', async () => {
    const meta = {
      name: 'name',
      description: 'stuff',
      properties: { extra: 'meta', src: [null, null], nested: { deep: {} } },
    };
    const files: NftFile[] = [
      image,
      { field: 'properties.src.0', name: 'hello.txt', type: 'text/plain', content: utf8('hello') },
      { field: 'properties.src.1', name: '', type: '', content: utf8('bye') },
      {
        field: 'properties.nested.deep.video',
        name: 'v.mp4',
        type: 'video/mp4',
        content: utf8('v'),
      },
    ];
    const { root, data } = await built(meta, files);
    expect(root.toString()).toBe(await nftStorageStyleRoot(meta, files));
    const properties = data.properties as { src: string[]; nested: { deep: { video: string } } };
    expect(properties.src[0]).toMatch(/^ipfs:\/\/bafybei[a-z2-7]+\/hello\.txt$/);
    expect(properties.src[1]).toMatch(/\/blob$/); // unnamed blobs are stored as "blob"
    expect(properties.nested.deep.video).toMatch(/\/v\.mp4$/);
  });

  it('keeps meta key order in metadata.json and appends new keys, as JSON.parse + set does', async () => {
    const { data } = await built({ description: 'd', name: 'n' }, [image]);
    expect(Object.keys(data)).toEqual(['description', 'name', 'image']);
    const { data: placed } = await built({ image: null, name: 'n' }, [image]);
    expect(Object.keys(placed)).toEqual(['image', 'name']);
  });

  it('produces a CAR that validates complete, sized by the sum of its blocks', async () => {
    const { root, blocks } = await built({ name: 'n', description: 'd' }, [
      image,
      { field: 'animation_url', name: 'vid.mp4', type: 'video/mp4', content: utf8('fake vid') },
    ]);
    const car = await validateCar(await encodeCar(root, blocks));
    expect(car.ok).toBe(true);
    if (!car.ok) return;
    expect(car.value.structure).toBe('complete');
    expect(car.value.dagSize).toBe(blocks.reduce((sum, block) => sum + block.bytes.byteLength, 0));
  });

  it('works with no files at all (meta only)', async () => {
    const { blocks, data } = await built({ name: 'only meta' }, []);
    expect(data).toEqual({ name: 'only meta' });
    expect(blocks).toHaveLength(2); // root + metadata.json
  });

  it.each([
    ['null', null],
    ['an array', [1, 2]],
    ['a string', '{"name":"x"}'],
    ['a number', 42],
  ])('rejects meta that is %s', async (_label, meta) => {
    const result = await buildNftStore(meta, [image]);
    expect(result).toMatchObject({
      ok: false,
      error: { name: 'InvalidMeta', message: 'meta must be a JSON object' },
    });
  });

  it('rejects meta that cannot be serialised', async () => {
    const result = await buildNftStore({ big: 10n }, []);
    expect(result).toMatchObject({ ok: false, error: { name: 'InvalidMeta' } });
  });

  it.each([
    ['a missing parent object', 'properties.image', /"properties" is not an object in meta/],
    ['a parent that is a string', 'name.image', /"name" is not an object in meta/],
    ['an empty segment', '.image', /empty segment/],
    ['an empty field', '', /empty segment/],
    ['__proto__', '__proto__.polluted', /"__proto__" is not allowed/],
    ['constructor', 'constructor', /"constructor" is not allowed/],
    ['a non-numeric array index', 'list.first', /"first" is not an array index/],
    ['an index past the end', 'list.5', /index 5 is past the end/],
  ])('rejects a field path with %s', async (_label, field, message) => {
    const result = await buildNftStore({ name: 'n', list: [] }, [{ ...image, field }]);
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.error.name).toBe('InvalidPath');
    expect(result.error.message).toMatch(message);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('rejects the same field given twice', async () => {
    const result = await buildNftStore({ name: 'n' }, [image, image]);
    expect(result).toMatchObject({ ok: false, error: { name: 'InvalidPath' } });
  });

  it('rejects a file name that escapes its directory', async () => {
    const result = await buildNftStore({ name: 'n' }, [{ ...image, name: '../x.png' }]);
    expect(result).toMatchObject({ ok: false, error: { name: 'InvalidPath' } });
  });
});
