/**
 * The path gateway for browsers and marketplaces: UnixFS files (with Content-Type and Range),
 * directories (index.html or a listing), DAG nodes as JSON, Content-Disposition, CORS and the
 * methods the gateway answers.
 */
import * as dagJson from '@ipld/dag-json';
import { beforeAll, describe, expect, it } from 'vitest';
import { GatewayWorld } from '../../support/gateway-world.ts';
import { sameBytes, seededBytes, utf8 } from '../../support/ipfs-fixtures.ts';
import {
  CHUNK,
  directory,
  file,
  multiChunkFile,
  nestedDirectory,
  nftStore,
  pngBytes,
  shardedDirectory,
  site,
} from './fixtures.ts';

const world = new GatewayWorld();
let big: Awaited<ReturnType<typeof multiChunkFile>>;
let dir: Awaited<ReturnType<typeof nestedDirectory>>;
let web: Awaited<ReturnType<typeof site>>;

beforeAll(async () => {
  big = await multiChunkFile();
  dir = await nestedDirectory();
  web = await site();
  for (const dag of [big, dir, web]) await world.storeCar([dag.root], dag.blocks);
});

describe('files', () => {
  it('returns a multi-chunk file whole, with its length, an ETag and the immutable cache', async () => {
    const answer = await world.request(`/ipfs/${big.root}`);
    expect(answer.status).toBe(200);
    expect(sameBytes(answer.body, big.content)).toBe('same');
    expect(answer.headers).toMatchObject({
      'content-length': String(big.content.byteLength),
      'content-type': 'application/octet-stream',
      'accept-ranges': 'bytes',
      etag: `"${big.root}"`,
      'cache-control': 'public, max-age=29030400, immutable',
      'x-content-type-options': 'nosniff',
      'x-ipfs-path': `/ipfs/${big.root}`,
      'x-ipfs-roots': big.root.toString(),
    });
    expect(answer.headers['content-disposition']).toBeUndefined();
  });

  it('returns every file of a nested directory by path, typed by its name', async () => {
    const types: Record<string, string> = {
      'readme.txt': 'text/plain; charset=utf-8',
      'images/cat.png': 'image/png',
      'images/deep/er/big.bin': 'application/octet-stream',
      'data/metadata.json': 'application/json',
      'with space/ünï cödé.txt': 'text/plain; charset=utf-8',
    };
    for (const [name, content] of dir.files) {
      const path = name.split('/').map(encodeURIComponent).join('/');
      const answer = await world.request(`/ipfs/${dir.root}/${path}`);
      expect(answer.status, name).toBe(200);
      expect(sameBytes(answer.body, content), name).toBe('same');
      expect(answer.headers['content-type'], name).toBe(types[name]);
      expect(answer.headers['x-ipfs-roots']?.split(',')).toHaveLength(name.split('/').length + 1);
    }
  });

  it('resolves the CID of a file inside a directory like a root', async () => {
    const answer = await world.request(`/ipfs/${dir.root}/images/deep/er/big.bin?format=raw`);
    const roots = (
      await world.request(`/ipfs/${dir.root}/images/deep/er/big.bin`, { method: 'HEAD' })
    ).headers['x-ipfs-roots']?.split(',');
    const inner = roots?.at(-1);
    expect(answer.status).toBe(200);
    const direct = await world.request(`/ipfs/${inner}`);
    expect(sameBytes(direct.body, dir.files.get('images/deep/er/big.bin') as Uint8Array)).toBe(
      'same',
    );
  });

  it('types a file without a name from its bytes', async () => {
    const png = await file(pngBytes());
    const svg = await file(
      utf8('<?xml version="1.0"?>\n<svg xmlns="http://www.w3.org/2000/svg"/>'),
    );
    const text = await file(
      Buffer.concat([Buffer.alloc(CHUNK, 'a'), Buffer.from('multi-chunk text')]),
    );
    const binary = await file(seededBytes(5000, 3));
    for (const dag of [png, svg, text, binary]) await world.storeCar([dag.root], dag.blocks);
    const typeOf = async (cid: unknown) =>
      (await world.request(`/ipfs/${cid}`, { method: 'HEAD' })).headers['content-type'];
    expect(await typeOf(png.root)).toBe('image/png');
    expect(await typeOf(svg.root)).toBe('image/svg+xml');
    expect(await typeOf(text.root)).toBe('text/plain; charset=utf-8');
    expect(await typeOf(binary.root)).toBe('application/octet-stream');
  });

  it('serves a raw block as application/octet-stream unless its bytes are a known type', async () => {
    const rawText = await file(utf8('hello world!'));
    await world.storeCar([rawText.root], rawText.blocks);
    expect(rawText.root.code).toBe(0x55);
    const answer = await world.request(`/ipfs/${rawText.root}`);
    expect(answer.text()).toBe('hello world!');
    expect(answer.headers['content-type']).toBe('application/octet-stream');
    const rawPng = await file(pngBytes());
    expect(rawPng.root.code).toBe(0x55);
    const png = await world.request(`/ipfs/${rawPng.root}`, { method: 'HEAD' });
    expect(png.headers['content-type']).toBe('image/png');
  });

  it('answers Range requests: 206 with Content-Range, across chunks, open-ended and suffix', async () => {
    const size = big.content.byteLength;
    const cases: [string, number, number][] = [
      ['bytes=0-0', 0, 0],
      [`bytes=${CHUNK - 5}-${CHUNK + 4}`, CHUNK - 5, CHUNK + 4],
      [`bytes=${2 * CHUNK}-`, 2 * CHUNK, size - 1],
      ['bytes=-100', size - 100, size - 1],
      [`bytes=10-${size + 1000}`, 10, size - 1],
      ['bytes=5-9, 20-30', 5, 9],
    ];
    for (const [range, first, last] of cases) {
      const answer = await world.request(`/ipfs/${big.root}`, { headers: { range } });
      expect(answer.status, range).toBe(206);
      expect(answer.headers['content-range'], range).toBe(`bytes ${first}-${last}/${size}`);
      expect(answer.headers['content-length'], range).toBe(String(last - first + 1));
      expect(sameBytes(answer.body, big.content.subarray(first, last + 1)), range).toBe('same');
    }
  });

  it('answers an unsatisfiable Range with 416 and ignores one it cannot parse', async () => {
    const size = big.content.byteLength;
    for (const range of [`bytes=${size}-`, 'bytes=-0']) {
      const answer = await world.request(`/ipfs/${big.root}`, { headers: { range } });
      expect(answer.status, range).toBe(416);
      expect(answer.headers['content-range']).toBe(`bytes */${size}`);
    }
    for (const range of ['pages=1-2', 'bytes=9-3', 'bytes=-']) {
      const answer = await world.request(`/ipfs/${big.root}`, { headers: { range } });
      expect(answer.status, range).toBe(200);
      expect(answer.body.byteLength).toBe(size);
    }
  });

  it('answers HEAD with the headers of GET and no body', async () => {
    const get = await world.request(`/ipfs/${dir.root}/readme.txt`);
    const head = await world.request(`/ipfs/${dir.root}/readme.txt`, { method: 'HEAD' });
    expect(head.status).toBe(200);
    expect(head.body.byteLength).toBe(0);
    expect(head.headers).toEqual(get.headers);
  });

  it('answers If-None-Match with 304', async () => {
    const answer = await world.request(`/ipfs/${big.root}`, {
      headers: { 'if-none-match': `"${big.root}"` },
    });
    expect(answer.status).toBe(304);
    expect(answer.body.byteLength).toBe(0);
  });

  it('sets Content-Disposition from ?filename= and ?download=true', async () => {
    const inline = await world.request(`/ipfs/${big.root}?filename=photo.png`, { method: 'HEAD' });
    expect(inline.headers['content-disposition']).toBe('inline; filename="photo.png"');
    // The name also types the bytes.
    expect(inline.headers['content-type']).toBe('image/png');
    const download = await world.request(`/ipfs/${big.root}?filename=photo.png&download=true`, {
      method: 'HEAD',
    });
    expect(download.headers['content-disposition']).toBe('attachment; filename="photo.png"');
    const bare = await world.request(`/ipfs/${big.root}?download=true`, { method: 'HEAD' });
    expect(bare.headers['content-disposition']).toBe('attachment');
  });

  it('answers 404 for a path inside a directory that is not there', async () => {
    for (const path of ['nope.txt', 'images/nope/cat.png', 'readme.txt/below']) {
      const answer = await world.request(`/ipfs/${dir.root}/${path}`);
      expect(answer.status, path).toBe(404);
    }
  });
});

describe('directories', () => {
  it('redirects a directory without its trailing slash, keeping the query', async () => {
    const answer = await world.request(`/ipfs/${dir.root}/images?download=false`);
    expect(answer.status).toBe(301);
    expect(answer.headers.location).toBe(`/ipfs/${dir.root}/images/?download=false`);
  });

  it('lists a directory without index.html as HTML with a link per entry', async () => {
    const answer = await world.request(`/ipfs/${dir.root}/`);
    expect(answer.status).toBe(200);
    expect(answer.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(answer.headers.etag).toBe(`W/"${dir.root}.listing"`);
    const html = answer.text();
    for (const name of ['readme.txt', 'images', 'data', 'with space']) {
      expect(html).toContain(`href="./${encodeURIComponent(name)}"`);
    }
    const nested = await world.request(`/ipfs/${dir.root}/images/`);
    expect(nested.text()).toContain('href="./cat.png"');
    expect(nested.text()).toContain('href="./deep"');
  });

  it('escapes entry names in the listing', async () => {
    const hostile = await directory([
      { name: '<script>alert(1)</script>.txt', content: utf8('x') },
    ]);
    await world.storeCar([hostile.root], hostile.blocks);
    const html = (await world.request(`/ipfs/${hostile.root}/`)).text();
    expect(html).not.toContain('<script>');
    expect(html).toContain('&#60;script&#62;');
  });

  it('lists a sharded (HAMT) directory', async () => {
    const sharded = await shardedDirectory();
    await world.storeCar([sharded.root], sharded.blocks);
    const html = (await world.request(`/ipfs/${sharded.root}/`)).text();
    expect(html.match(/<tr><td><a /g)).toHaveLength(sharded.files.size);
    const one = await world.request(`/ipfs/${sharded.root}/file-with-a-long-enough-name-03999.txt`);
    expect(one.text()).toBe('file 3999\n');
  });

  it('serves index.html for a directory that has one', async () => {
    const answer = await world.request(`/ipfs/${web.root}/`);
    expect(answer.status).toBe(200);
    expect(answer.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(answer.text()).toContain('<p>hello</p>');
    const css = await world.request(`/ipfs/${web.root}/style.css`);
    expect(css.headers['content-type']).toBe('text/css; charset=utf-8');
  });

  it('answers HEAD of a listing without a body', async () => {
    const head = await world.request(`/ipfs/${dir.root}/`, { method: 'HEAD' });
    expect(head.status).toBe(200);
    expect(head.body.byteLength).toBe(0);
  });
});

describe('DAG nodes', () => {
  it('returns a dag-cbor node (an ERC-1155 /store root) as JSON with its links', async () => {
    const nft = await nftStore();
    await world.storeCar([nft.root], nft.blocks);
    const answer = await world.request(`/ipfs/${nft.root}`);
    expect(answer.status).toBe(200);
    expect(answer.headers['content-type']).toBe('application/json');
    const value = dagJson.decode<Record<string, unknown>>(answer.body);
    expect(value.name).toBe('nft #7');
    expect(value.type).toBe('nft');
    expect(String(value.image)).toMatch(/^bafy/);
    // Paths go through the node's links into the files.
    const image = await world.request(`/ipfs/${nft.root}/image/cat.png`);
    expect(sameBytes(image.body, nft.image)).toBe('same');
    expect(image.headers['content-type']).toBe('image/png');
    const metadata = await world.request(`/ipfs/${nft.root}/metadata.json`);
    expect(JSON.parse(metadata.text()).image).toMatch(/^ipfs:\/\/.+\/cat\.png$/);
  });

  it('converts a node with ?format=dag-json and returns dag-cbor bytes as they are', async () => {
    const nft = await nftStore();
    const asJson = await world.request(`/ipfs/${nft.root}?format=dag-json`);
    expect(asJson.headers['content-type']).toBe('application/vnd.ipld.dag-json');
    expect(dagJson.decode<Record<string, unknown>>(asJson.body).name).toBe('nft #7');
    const asCbor = await world.request(`/ipfs/${nft.root}?format=dag-cbor`);
    expect(asCbor.headers['content-type']).toBe('application/vnd.ipld.dag-cbor');
    expect(sameBytes(asCbor.body, nft.blocks[0]?.bytes as Uint8Array)).toBe('same');
  });
});

describe('the HTTP surface', () => {
  it('answers CORS preflights and lets any origin read the content headers', async () => {
    const preflight = await world.request(`/ipfs/${big.root}`, { method: 'OPTIONS' });
    expect(preflight.status).toBe(204);
    expect(preflight.headers).toMatchObject({
      'access-control-allow-origin': '*',
      'access-control-allow-methods': 'GET, HEAD, OPTIONS',
    });
    const get = await world.request(`/ipfs/${big.root}`, { method: 'HEAD' });
    expect(get.headers['access-control-allow-origin']).toBe('*');
    expect(get.headers['access-control-expose-headers']).toContain('X-Ipfs-Roots');
  });

  it('answers other methods with 405 and what is allowed', async () => {
    for (const method of ['POST', 'PUT', 'DELETE']) {
      const answer = await world.request(`/ipfs/${big.root}`, { method });
      expect(answer.status, method).toBe(405);
      expect(answer.headers.allow).toBe('GET, HEAD, OPTIONS');
    }
  });

  it('answers 400 for what is not a CID or not a parameter value it takes', async () => {
    const cases = [
      '/ipfs/not-a-cid',
      '/ipfs/',
      `/ipfs/${'b'.repeat(600)}`,
      `/ipfs/${big.root}?format=tar`,
      `/ipfs/${big.root}?format=car&dag-scope=most`,
      `/ipfs/${big.root}?format=car&entity-bytes=10:5`,
      `/ipfs/${big.root}?format=car&entity-bytes=a:b`,
      `/ipfs/${big.root}?format=car&car-version=2`,
      `/ipfs/${big.root}?format=car&car-dups=maybe`,
      `/ipfs/${big.root}/%E0%A4%A`,
    ];
    for (const path of cases) {
      const answer = await world.request(path);
      expect(answer.status, path).toBe(400);
      expect(answer.headers['content-type']).toBe('text/plain; charset=utf-8');
    }
  });

  it('answers 404 outside /ipfs/', async () => {
    for (const path of ['/', '/ipns/example.com', '/favicon.ico']) {
      expect((await world.request(path)).status, path).toBe(404);
    }
  });

  it('reads a block index once per CAR per container, then finds its blocks without lookups', async () => {
    world.forget();
    const before = world.lookups;
    await world.request(`/ipfs/${big.root}?format=car`);
    // The root's lookup loads its CAR's index; every other block is found there.
    expect(world.lookups - before).toBe(1);
    await world.request(`/ipfs/${big.root}?format=car`);
    expect(world.lookups - before).toBe(1);
  });

  it('answers 503 with Retry-After when storage is unavailable, and never 502 or 504', async () => {
    const { FailureError, failure } = await import('../../../lambdas/core/failures.ts');
    const broken = new GatewayWorld();
    broken.blocks.locate = async () => {
      throw new FailureError(failure.storageUnavailable(new Error('throttled'), 'DynamoDB'));
    };
    const answer = await broken.request(`/ipfs/${big.root}`);
    expect(answer.status).toBe(503);
    expect(answer.headers['retry-after']).toBe('5');
    expect(answer.text()).toContain('test-request');
  });

  it('answers 500 with the request id for an unexpected fault, and reports it', async () => {
    const broken = new GatewayWorld();
    broken.blocks.locate = async () => {
      throw new Error('bug');
    };
    const answer = await broken.request(`/ipfs/${big.root}`);
    expect(answer.status).toBe(500);
    expect(answer.text()).toContain('test-request');
    expect(broken.errors).toHaveLength(1);
  });
});
