/**
 * POST /store with any `meta` (any JSON value, nesting around the 64-level limit, huge
 * strings, text that is no JSON) and any file parts (any field path, any filename, none at
 * all). Never a 5xx; a 4xx stores nothing; a 200 stores the NFT DAG its answer describes.
 */
import * as dagCbor from '@ipld/dag-cbor';
import fc from 'fast-check';
import type { CID } from 'multiformats/cid';
import { describe, expect, it } from 'vitest';
import { inProcessApi, storedState } from '../../support/in-process-api.ts';
import { exportFile } from '../../support/ipfs-fixtures.ts';
import {
  contentType,
  encodeForm,
  type FieldSpec,
  type FileSpec,
  fieldPart,
  filePart,
  filePath,
  formOf,
  isWellFormed,
  type Part,
} from './forms.ts';
import {
  expectNothingStored,
  expectSound,
  importerRoot,
  readCar,
  storedCar,
} from './invariants.ts';

const MAX_DEPTH = 64;

const nested = (depth: number, open: string, close: string, inner = '0') =>
  `${open.repeat(depth)}${inner}${close.repeat(depth)}`;

/** `meta` text: mostly JSON objects, some the API must refuse. */
const metaText = fc.oneof(
  {
    weight: 4,
    arbitrary: fc.constant('{"image":null,"properties":{"video":null},"list":[null,null]}'),
  },
  { weight: 6, arbitrary: fc.object({ maxDepth: 3 }).map((v) => JSON.stringify(v)) },
  { weight: 3, arbitrary: fc.jsonValue({ maxDepth: 3 }).map((v) => JSON.stringify(v)) },
  {
    weight: 2,
    arbitrary: fc
      .record({
        depth: fc.integer({ min: MAX_DEPTH - 2, max: MAX_DEPTH + 2 }),
        arrays: fc.boolean(),
      })
      .map(({ depth, arrays }) =>
        arrays ? `{"deep":${nested(depth - 1, '[', ']')}}` : nested(depth, '{"a":', '}', '"leaf"'),
      ),
  },
  {
    weight: 1,
    arbitrary: fc
      .integer({ min: 1, max: 1100 })
      .map((kib) => JSON.stringify({ name: 'x'.repeat(kib * 1024), image: null })),
  },
  {
    weight: 2,
    arbitrary: fc.constantFrom(
      '{"a":1e400}',
      '{"__proto__":{"image":null},"constructor":{}}',
      '{"s":"\\ud800","image":null}',
      '{"a":"[[[[[[","b":"\\"{{{{"}',
      '',
      'not json',
      '{"a":',
    ),
  },
  { weight: 1, arbitrary: fc.string({ maxLength: 20 }) },
);

/** Field paths into meta: the usual ones, array positions, unsafe keys, empty segments. */
const fieldPath = fc.oneof(
  {
    weight: 6,
    arbitrary: fc.constantFrom('image', 'properties.video', 'list.0', 'list.2', 'list.9', 'a'),
  },
  { weight: 1, arbitrary: fc.constantFrom('__proto__', 'constructor.x', 'a..b', '', '.image') },
  { weight: 1, arbitrary: fc.string({ maxLength: 12 }) },
);

/** Mostly plain file names: the directory-upload properties cover hostile ones. */
const fileName = fc.oneof(
  { weight: 8, arbitrary: fc.constantFrom('pin.png', 'café.txt', 'a b.mp4') },
  // Unnamed: stored as `blob` when the part still says it is a file.
  { weight: 1, arbitrary: fc.constant('') },
  { weight: 2, arbitrary: filePath },
);

const oddPart = fc.oneof(
  filePart(fc.constant(undefined), fileName),
  fieldPart(fc.constantFrom('x', 'meta'), fc.string()),
);

const storeParts = fc
  .tuple(
    metaText,
    fc.array(filePart(fieldPath, fileName), { maxLength: 3 }),
    fc.oneof(
      { weight: 4, arbitrary: fc.constant([]) },
      { weight: 1, arbitrary: fc.tuple(oddPart) },
    ),
  )
  .chain(([meta, files, odd]) =>
    fc.shuffledSubarray<Part>([{ kind: 'field', field: 'meta', value: meta }, ...files, ...odd], {
      minLength: files.length + odd.length + 1,
    }),
  );

function depthOf(json: string): number {
  let depth = 0;
  let deepest = 0;
  let inString = false;
  for (let i = 0; i < json.length; i++) {
    const c = json[i];
    if (inString) {
      if (c === '\\') i++;
      else if (c === '"') inString = false;
    } else if (c === '"') inString = true;
    else if (c === '{' || c === '[') deepest = Math.max(deepest, ++depth);
    else if (c === '}' || c === ']') depth--;
  }
  return deepest;
}

function parsedObject(text: string): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(text);
    return typeof value === 'object' && value !== null && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : undefined;
  } catch {
    return undefined;
  }
}

function valueAt(root: unknown, path: string[]): unknown {
  let value = root;
  for (const key of path) value = (value as Record<string, unknown> | undefined)?.[key];
  return value;
}

describe('POST /store', () => {
  it('answers any meta and files soundly, storing exactly the NFT DAG it describes', async () => {
    await fc.assert(
      fc.asyncProperty(formOf(storeParts), async (form) => {
        const body = encodeForm(form);
        fc.pre(body !== undefined);
        const api = await inProcessApi();
        const before = storedState(api.ports);
        const response = await api.request('POST', '/store', {
          body,
          headers: { 'content-type': contentType(form) },
        });
        const texts = form.parts.map((p) => (p.kind === 'file' ? p.filename : p.value));
        expectSound(response, texts);
        if (response.status !== 200) {
          expectNothingStored(api.ports, before);
        }

        // The last `meta` counts, as in any form.
        const metas = form.parts.filter(
          (p): p is FieldSpec => p.kind === 'field' && p.field === 'meta',
        );
        const meta = (metas.at(-1) as FieldSpec).value;
        const files = form.parts.filter((p): p is FileSpec => p.kind === 'file');
        const plain =
          form.parts.every(isWellFormed) &&
          metas.length === 1 &&
          form.parts.every((p) => p.kind === 'file' || p.field === 'meta');
        if (
          depthOf(meta) > MAX_DEPTH ||
          !parsedObject(meta) ||
          Buffer.byteLength(meta) > 1024 * 1024
        ) {
          expect(response.status, response.text).toBe(400);
          return;
        }
        if (plain && files.length === 0) expect(response.status, response.text).toBe(200);
        if (response.status !== 200) return;

        // The answer and the stored DAG agree, and every file is where its field says.
        const { ipnft, url, data } = response.json.value;
        expect(url).toBe(`ipfs://${ipnft}/metadata.json`);
        const car = readCar(storedCar(api.ports));
        expect(car.roots).toEqual([ipnft]);
        const rootBlock = car.blocks.find((b) => b.cid.toString() === ipnft);
        const root = dagCbor.decode(rootBlock?.bytes as Uint8Array) as Record<string, unknown>;
        expect(root.type).toBe('nft');
        const metadataJson = await exportFile(String(root['metadata.json'] as CID), car.blocks);
        expect(JSON.parse(new TextDecoder().decode(metadataJson))).toEqual(data);
        const original = JSON.parse(JSON.stringify(JSON.parse(meta)));
        for (const file of files) {
          const path = String(file.field).split('.');
          const name = file.filename === '' ? 'blob' : file.filename;
          const dir = await importerRoot([{ path: name, content: file.content }], true);
          expect(valueAt(data, path)).toBe(`ipfs://${dir}/${name}`);
          expect(String(valueAt(root, path))).toBe(dir);
          // Put the original value back: the rest of data is meta as sent.
          const parent = valueAt(data, path.slice(0, -1)) as Record<string, unknown>;
          const key = path.at(-1) as string;
          const was = valueAt(original, path);
          if (was !== undefined) parent[key] = was;
          else if (Array.isArray(parent)) parent.splice(Number(key), 1);
          else delete parent[key];
        }
        expect(data).toEqual(original);
        const content = api.ports.contents.contents.get(ipnft)?.record;
        expect(content?.size).toBe(car.distinctBytes);
        expect(content?.structure).toBe('complete');
      }),
      { numRuns: 400 },
    );
  });
});
