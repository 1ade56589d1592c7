/** Token URIs to CIDs: every form in the table, and properties over generated input. */
import fc from 'fast-check';
import { base36 } from 'multiformats/bases/base36';
import { CID } from 'multiformats/cid';
import { sha256 } from 'multiformats/hashes/sha2';
import { describe, expect, it } from 'vitest';
import {
  classifyUri,
  decodeDataUri,
  findCids,
  MAX_DATA_URI_BYTES,
  parseCid,
  substituteId,
} from '../../../lambdas/core/chain/uri.ts';

const digest = await sha256.digest(new TextEncoder().encode('content'));
const V1 = CID.create(1, 0x70, digest).toString(); // bafybei…
const V0 = CID.createV0(digest).toString(); // Qm…, the same root
const RAW = CID.create(1, 0x55, digest).toString(); // bafkrei…
const LIBP2P_KEY = CID.create(1, 0x72, digest);
const B36 = LIBP2P_KEY.toString(base36); // k…

const ipfs = (cid: string, path = '', origin?: string) => ({
  status: 'ipfs',
  cid,
  path,
  ...(origin ? { origin } : {}),
});

describe('classifyUri', () => {
  it.each([
    ['ipfs://<v1>/1.json', `ipfs://${V1}/1.json`, ipfs(V1, '/1.json')],
    ['ipfs://<v0> (case kept, normalised to v1)', `ipfs://${V0}`, ipfs(V1)],
    [
      'ipfs://ipfs/<cid>/…, a common malformed form',
      `ipfs://ipfs/${V1}/7.json`,
      ipfs(V1, '/7.json'),
    ],
    ['ipfs:/<cid>', `ipfs:/${V1}/a`, ipfs(V1, '/a')],
    ['IPFS:// in capitals', `IPFS://${V1}/a`, ipfs(V1, '/a')],
    ['upper-case base32', `ipfs://${V1.toUpperCase()}/x`, ipfs(V1, '/x')],
    ['base36', `ipfs://${B36}`, ipfs(LIBP2P_KEY.toString())],
    ['/ipfs/<cid> alone', `/ipfs/${V0}/a/b.png`, ipfs(V1, '/a/b.png')],
    ['dweb:/ipfs/<cid>', `dweb:/ipfs/${RAW}`, ipfs(RAW)],
    [
      'a path gateway, query and fragment dropped',
      `https://gw.example/ipfs/${V0}/5.json?x=1#frag`,
      ipfs(V1, '/5.json', 'https://gw.example'),
    ],
    [
      'a gateway mounted under a prefix',
      `https://host.example/a/ipfs/${V1}/x`,
      ipfs(V1, '/x', 'https://host.example'),
    ],
    [
      'a subdomain gateway',
      `https://${V1}.ipfs.dweb.link/6.json`,
      ipfs(V1, '/6.json', 'https://dweb.link'),
    ],
    ['percent-encoded path segments', `ipfs://${V1}/my%20file.json`, ipfs(V1, '/my file.json')],
    ['slashes collapsed', `ipfs://${V1}//a///b/`, ipfs(V1, '/a/b')],
    ['a bare CID', V0, ipfs(V1)],
    ['a bare CID with a path', `${RAW}/x.json`, ipfs(RAW, '/x.json')],
    ['surrounding whitespace', `  ipfs://${V1}  `, ipfs(V1)],
  ])('%s', (_name, uri, expected) => {
    expect(classifyUri(uri)).toEqual(expected);
  });

  it.each([
    ['a web URL', 'https://example.com/9.json', { status: 'http' }],
    [
      'a web URL whose path has ipfs but no CID',
      'https://example.com/ipfs/nope',
      { status: 'http' },
    ],
    ['empty', '', { status: 'empty' }],
    ['blank', '   ', { status: 'empty' }],
  ])('%s', (_name, uri, expected) => {
    expect(classifyUri(uri)).toEqual(expected);
  });

  it.each([
    ['ipns://', 'ipns://k51qzi5uqu5dlvj2baxnqndepeb86cbk3ng7n3i46uzyxzyqj2xjonzllnv0v8', /IPNS/],
    ['/ipns/ on a gateway', `https://gw.example/ipns/example.com/1.json`, /IPNS/],
    ['an IPNS subdomain', 'https://example-com.ipns.dweb.link/', /IPNS/],
    ['/ipns/ alone', '/ipns/example.com', /IPNS/],
    ['ar://', 'ar://bNbA3TEQVL60xlgCcqdz4ZPHFZ711cZ3hmkpGttDt_U', /Arweave/],
    ['another scheme', 'ftp://example.com/1.json', /ftp: scheme/],
  ])('%s is unsupported', (_name, uri, reason) => {
    const parsed = classifyUri(uri);
    expect(parsed.status).toBe('unsupported');
    expect(parsed.status === 'unsupported' && parsed.reason).toMatch(reason);
  });

  it.each([
    ['ipfs:// with no CID', 'ipfs://not-a-cid/1.json', /not a CID/],
    ['a lower-cased v0 CID', `ipfs://${V0.toLowerCase()}`, /not a CID/],
    ['text that is no URI', 'hello world', /not a URI/],
    ['a data: URI without a comma', 'data:application/json', /comma/],
  ])('%s is invalid', (_name, uri, reason) => {
    const parsed = classifyUri(uri);
    expect(parsed.status).toBe('invalid');
    expect(parsed.status === 'invalid' && parsed.reason).toMatch(reason);
  });
});

describe('data: URIs', () => {
  const text = (uri: string) => {
    const parsed = decodeDataUri(uri);
    if (parsed.status !== 'data') throw new Error(`not data: ${JSON.stringify(parsed)}`);
    return { mediaType: parsed.mediaType, text: Buffer.from(parsed.bytes).toString('utf8') };
  };
  const doc = '{"name":"Token #4","image":"ipfs://x"}';

  it('decodes base64', () => {
    expect(text(`data:application/json;base64,${Buffer.from(doc).toString('base64')}`)).toEqual({
      mediaType: 'application/json',
      text: doc,
    });
  });

  it('decodes percent-encoding, a # in the JSON included', () => {
    expect(text(`data:application/json,${encodeURIComponent(doc)}`).text).toBe(doc);
  });

  it('takes raw JSON after ;utf8 or ;charset=utf-8 whole: a # does not end it', () => {
    expect(text(`data:application/json;utf8,${doc}`).text).toBe(doc);
    expect(text(`data:application/json;charset=UTF-8,${doc}`).text).toBe(doc);
  });

  it('splits at the first comma only', () => {
    expect(text('data:text/plain,a,b,c').text).toBe('a,b,c');
  });

  it('defaults the media type to text/plain and lower-cases it', () => {
    expect(text('data:,hello').mediaType).toBe('text/plain');
    expect(text('data:Image/SVG+XML;BASE64,PHN2Zy8+').mediaType).toBe('image/svg+xml');
  });

  it('leaves a % without two hex digits as it is', () => {
    expect(text('data:text/plain,100%25 and 5%').text).toBe('100% and 5%');
  });

  it('refuses base64 that does not decode, and one over the size cap', () => {
    expect(decodeDataUri('data:application/json;base64,@@@').status).toBe('invalid');
    const huge = `data:text/plain,${'a'.repeat(MAX_DATA_URI_BYTES + 1)}`;
    expect(decodeDataUri(huge)).toMatchObject({
      status: 'invalid',
      reason: expect.stringMatching(/over/),
    });
  });
});

describe('findCids', () => {
  it('finds CIDs inside SVG, HTML and prose, with their paths', () => {
    const svg = `<svg><image href="ipfs://${V1}/a.png"/><a href='https://gw.example/ipfs/${RAW}'>x</a></svg>`;
    expect(findCids(svg)).toEqual([
      { cid: V1, path: '/a.png' },
      { cid: RAW, path: '' },
    ]);
    expect(findCids(`See ${V0}. Or /ipfs/${RAW}/b.txt, today.`)).toEqual([
      { cid: V1, path: '' },
      { cid: RAW, path: '/b.txt' },
    ]);
  });

  it('keeps each root and path once, and a bare root only when it has no path elsewhere', () => {
    expect(findCids(`ipfs://${V1}/a ${V1} ipfs://${V1}/a ${RAW}`)).toEqual([
      { cid: V1, path: '/a' },
      { cid: RAW, path: '' },
    ]);
  });

  it('stops at its limit', () => {
    const many = Array.from({ length: 20 }, (_, i) => `ipfs://${V1}/${i}`).join(' ');
    expect(findCids(many, 5)).toHaveLength(5);
  });
});

describe('ERC-1155 {id}', () => {
  it('is the id in lower-case hex, 64 digits, everywhere it appears', () => {
    expect(substituteId('ipfs://x/{id}.json?v={id}', 314592n)).toBe(
      'ipfs://x/000000000000000000000000000000000000000000000000000000000004cce0.json?v=000000000000000000000000000000000000000000000000000000000004cce0',
    );
    expect(substituteId('{id}', 2n ** 256n - 1n)).toBe('f'.repeat(64));
    expect(substituteId('no template', 1n)).toBe('no template');
  });
});

describe('properties', () => {
  it('never throws, and every IPFS answer is a CIDv1 with a normal path', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme-ascii', maxLength: 200 }), (text) => {
        const parsed = classifyUri(text);
        if (parsed.status === 'ipfs') {
          expect(parseCid(parsed.cid)?.version).toBe(1);
          expect(parsed.path === '' || /^\/[^/]/.test(parsed.path)).toBe(true);
        }
      }),
      { numRuns: 3000 },
    );
  });

  it('finds a CID written into any URI form, whatever surrounds it', () => {
    const forms = fc.constantFrom(
      (c: string, p: string) => `ipfs://${c}${p}`,
      (c: string, p: string) => `https://gw.example/ipfs/${c}${p}`,
      (c: string, p: string) => `/ipfs/${c}${p}`,
      (c: string, p: string) => `ipfs://ipfs/${c}${p}`,
    );
    const segment = fc.stringMatching(/^[A-Za-z0-9_-]{1,12}$/);
    fc.assert(
      fc.property(
        forms,
        fc.array(segment, { maxLength: 3 }),
        fc.constantFrom(V0, V1, RAW),
        (form, segments, cid) => {
          const path = segments.map((s) => `/${s}`).join('');
          const expected = { cid: CID.parse(cid).toV1().toString(), path };
          expect(classifyUri(form(cid, path))).toMatchObject({ status: 'ipfs', ...expected });
          expect(findCids(`before "${form(cid, path)}" after`)).toEqual([expected]);
        },
      ),
      { numRuns: 500 },
    );
  });

  it('decodes any JSON document from both data: encodings', () => {
    fc.assert(
      fc.property(fc.json(), (doc) => {
        for (const uri of [
          `data:application/json;base64,${Buffer.from(doc).toString('base64')}`,
          `data:application/json,${encodeURIComponent(doc)}`,
        ]) {
          const parsed = classifyUri(uri);
          expect(parsed.status).toBe('data');
          if (parsed.status === 'data')
            expect(Buffer.from(parsed.bytes).toString('utf8')).toBe(doc);
        }
      }),
      { numRuns: 500 },
    );
  });
});
