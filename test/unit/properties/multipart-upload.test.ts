/**
 * POST /upload with multipart bodies: any file names, counts, contents, boundaries and letter
 * case. The answer is never a 5xx; a 4xx stores nothing; a 200 has the directory CID
 * ipfs-unixfs-importer computes for the same files, and records the size the stored CAR holds.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { inProcessApi, storedState } from '../../support/in-process-api.ts';
import {
  contentType,
  encodeForm,
  fieldPart,
  filePart,
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
import { isUsableDirectory } from './paths.ts';

const filesOnly = fc.array(filePart(fc.constant('file')), { minLength: 1, maxLength: 5 });
const oddPart = fc.oneof(
  filePart(fc.constantFrom('other', undefined)),
  fieldPart(fc.constantFrom('meta', 'x', undefined), fc.string()),
  fieldPart(fc.constant('file'), fc.string({ maxLength: 8 })),
);
/** Mostly file parts; sometimes other fields, nameless parts, or none at all. */
const uploadParts = fc.oneof(
  { weight: 4, arbitrary: filesOnly },
  {
    weight: 1,
    arbitrary: fc
      .tuple(
        fc.array(filePart(fc.constant('file')), { maxLength: 3 }),
        fc.array(oddPart, { maxLength: 2 }),
      )
      .chain(([files, odd]) =>
        fc.shuffledSubarray([...files, ...odd], { minLength: files.length + odd.length }),
      ),
  },
);

/** What the API must do with these parts: only `file` parts with a filename are files. */
function expectedFiles(parts: readonly Part[]) {
  if (!parts.every(isWellFormed)) return undefined;
  if (parts.some((p) => p.kind === 'field' && p.field === 'file')) return undefined;
  const files = parts.flatMap((p) => (p.kind === 'file' && p.field === 'file' ? [p] : []));
  return isUsableDirectory(files.map((f) => f.filename)) ? files : undefined;
}

describe('POST /upload, multipart', () => {
  it('answers any form soundly: a 4xx stores nothing, a 200 is the importer directory', async () => {
    await fc.assert(
      fc.asyncProperty(formOf(uploadParts), async (form) => {
        const body = encodeForm(form);
        fc.pre(body !== undefined);
        const api = await inProcessApi();
        const before = storedState(api.ports);
        const response = await api.request('POST', '/upload', {
          body,
          headers: { 'content-type': contentType(form) },
        });
        const names = form.parts.flatMap((p) => (p.kind === 'file' ? [p.filename] : []));
        expectSound(response, names);

        const files = expectedFiles(form.parts);
        if (files === undefined) {
          expect(response.status, response.text).toBe(400);
          expectNothingStored(api.ports, before);
          return;
        }
        expect(response.status, response.text).toBe(200);
        const expected = await importerRoot(
          files.map((f) => ({ path: f.filename, content: f.content })),
          true,
        );
        expect(response.json.value.cid).toBe(expected);
        expect(response.json.value.files.map((f: { name: string }) => f.name)).toEqual(
          files.map((f) => f.filename),
        );
        const car = readCar(storedCar(api.ports));
        expect(car.roots).toEqual([expected]);
        expect(response.json.value.size).toBe(car.distinctBytes);
        expect(api.ports.contents.contents.get(expected)?.record.size).toBe(car.distinctBytes);
        const upload = await api.ports.uploads.get(api.userId, expected);
        expect(upload?.type).toBe('directory');
      }),
      { numRuns: 400 },
    );
  });
});
