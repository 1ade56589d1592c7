/** Walking metadata JSON for CIDs: any depth, arrays by value, bounded. */
import { CID } from 'multiformats/cid';
import { sha256 } from 'multiformats/hashes/sha2';
import { describe, expect, it } from 'vitest';
import { parseJson, walkMetadata } from '../../../lambdas/core/chain/metadata.ts';

const cidOf = async (text: string) =>
  CID.create(1, 0x55, await sha256.digest(new TextEncoder().encode(text))).toString();
const [A, B, C, D, E] = await Promise.all(['a', 'b', 'c', 'd', 'e'].map(cidOf));

describe('walkMetadata', () => {
  it('finds URLs in every field at any depth, arrays included, in document order', () => {
    const metadata = {
      name: 'Token',
      image: `ipfs://${A}`,
      animation_url: `https://gw.example/ipfs/${B}/clip.mp4`,
      external_url: 'https://example.com/token/1',
      properties: {
        files: [{ uri: `ipfs://${C}/model.glb`, type: 'model/gltf-binary' }, `${D}`],
        nested: [[[{ deep: `ipfs://${E}` }]]],
      },
      attributes: [{ trait_type: 'Level', value: 5 }, null, true],
    };
    expect(walkMetadata(metadata).cids).toEqual([
      { cid: A, path: '' },
      { cid: B, path: '/clip.mp4' },
      { cid: C, path: '/model.glb' },
      { cid: D, path: '' },
      { cid: E, path: '' },
    ]);
  });

  it('takes loose JSON: no field is required, a top-level array or string works too', () => {
    expect(walkMetadata([`ipfs://${A}`]).cids).toEqual([{ cid: A, path: '' }]);
    expect(walkMetadata(`ipfs://${A}`).cids).toEqual([{ cid: A, path: '' }]);
    expect(walkMetadata({}).cids).toEqual([]);
    expect(walkMetadata(42).cids).toEqual([]);
  });

  it('substitutes ERC-1155 {id} in every string when given the token id', () => {
    const metadata = {
      image: `ipfs://${A}/{id}.png`,
      localization: { uri: `ipfs://${B}/{locale}.json` },
    };
    expect(walkMetadata(metadata, 10n).cids).toEqual([
      { cid: A, path: `/${'a'.padStart(64, '0')}.png` },
      { cid: B, path: '/{locale}.json' },
    ]);
    expect(walkMetadata(metadata).cids[0]).toEqual({ cid: A, path: '/{id}.png' });
  });

  it('stops at its bounds and says so', () => {
    const wide = Array.from({ length: 50 }, (_, i) => `ipfs://${A}/${i}`);
    const few = walkMetadata(wide, undefined, { maxValues: 1000, maxCids: 10 });
    expect(few.cids).toHaveLength(10);
    expect(few.truncated).toMatch(/10 CIDs/);
    const short = walkMetadata(wide, undefined, { maxValues: 5, maxCids: 1000 });
    expect(short.truncated).toMatch(/5 values/);
  });

  it('walks very deep documents without recursion', () => {
    let deep: unknown = `ipfs://${A}`;
    for (let i = 0; i < 50_000; i++) deep = { next: deep };
    expect(walkMetadata(deep, undefined, { maxValues: 100_000, maxCids: 10 }).cids).toEqual([
      { cid: A, path: '' },
    ]);
  });
});

describe('parseJson', () => {
  const bytes = (text: string) => new TextEncoder().encode(text);
  it('reads objects and arrays, a BOM and whitespace allowed', () => {
    expect(parseJson(bytes('\uFEFF  {"a":1}\n'))).toEqual({ a: 1 });
    expect(parseJson(bytes('[1]'))).toEqual([1]);
  });
  it('gives undefined for anything else', () => {
    expect(parseJson(bytes('"a string"'))).toBeUndefined();
    expect(parseJson(bytes('{broken'))).toBeUndefined();
    expect(parseJson(new Uint8Array([0x89, 0x50, 0x4e, 0x47]))).toBeUndefined();
  });
});
