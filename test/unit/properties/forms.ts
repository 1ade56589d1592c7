/**
 * multipart/form-data bodies written by hand, so every part of one can be hostile: names in
 * any script or with control characters, filenames quoted with escapes or RFC 5987-encoded,
 * odd boundaries, any letter case where the format allows it.
 */
import fc from 'fast-check';
import { seededBytes } from '../../support/ipfs-fixtures.ts';

export interface FileSpec {
  kind: 'file';
  /** The `name` parameter; undefined leaves it out. */
  field: string | undefined;
  filename: string;
  content: Uint8Array;
  type: string | undefined;
  /** `quoted`: `filename="…"` (raw UTF-8, `"` and `\` escaped); `extended`: `filename*=`. */
  encoding: 'quoted' | 'extended';
}

export interface FieldSpec {
  kind: 'field';
  field: string | undefined;
  value: string;
}

export type Part = FileSpec | FieldSpec;

export interface Form {
  boundary: string;
  /** How `multipart/form-data` and `boundary` are cased in the Content-Type. */
  mediaType: string;
  boundaryParam: string;
  /** Case of each part's `Content-Disposition` header name and `form-data` value. */
  dispositionHeader: string;
  formData: string;
  parts: Part[];
}

/** RFC 2046 boundary characters (a space may not end it). */
const BOUNDARY_CHARS =
  "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ'()+_,-./:=? ";

export const boundary = fc
  .string({ unit: fc.constantFrom(...BOUNDARY_CHARS), minLength: 1, maxLength: 70 })
  .filter((b) => !b.endsWith(' '));

/** Names as a hostile client writes them: mostly plain, some unicode, some forbidden. */
const nameChar = fc.oneof(
  { weight: 30, arbitrary: fc.constantFrom(...'abcxyz0189-_. ') },
  // Allowed, though no message may echo the C1 controls (NEL, 8-bit CSI).
  {
    weight: 6,
    arbitrary: fc.constantFrom(
      'é',
      'ü',
      'ß',
      '日',
      '本',
      '🙂',
      '\u0301',
      '\u202e',
      '\u0085',
      '\u009b',
    ),
  },
  { weight: 1, arbitrary: fc.constantFrom('"', "'", '%', ';', '=', '*', '(', ')', '\\') },
  { weight: 1, arbitrary: fc.constantFrom('\u0000', '\t', '\n', '\r', '\u001b', '\u007f') },
);

const segment = fc.oneof(
  { weight: 6, arbitrary: fc.string({ unit: nameChar, minLength: 1, maxLength: 10 }) },
  // A small pool, so duplicates and file-versus-directory clashes come up.
  { weight: 4, arbitrary: fc.constantFrom('a', 'b', 'café.txt', 'x y') },
  { weight: 1, arbitrary: fc.constantFrom('', '.', '..') },
  // Around the 255-byte segment limit: 'é' is two bytes in UTF-8.
  { weight: 1, arbitrary: fc.integer({ min: 125, max: 130 }).map((n) => 'é'.repeat(n)) },
  { weight: 1, arbitrary: fc.integer({ min: 250, max: 260 }).map((n) => 'n'.repeat(n)) },
);

/** File paths: `/`-separated segments, some past the 1024-byte path limit. */
export const filePath = fc.oneof(
  { weight: 10, arbitrary: fc.array(segment, { minLength: 1, maxLength: 3 }).map(joinPath) },
  {
    weight: 1,
    arbitrary: fc
      .array(fc.constant('s'.repeat(200)), { minLength: 4, maxLength: 6 })
      .chain((parts) => fc.constantFrom(joinPath(parts), `${joinPath(parts)}/${'t'.repeat(40)}`)),
  },
);

function joinPath(segments: string[]): string {
  return segments.join('/');
}

export const fileContent = fc.oneof(
  { weight: 20, arbitrary: fc.uint8Array({ maxLength: 64 }) },
  { weight: 2, arbitrary: fc.uint8Array({ minLength: 1000, maxLength: 4000 }) },
  // Past one 262,144-byte chunk: leaves under a dag-pb node.
  {
    weight: 1,
    arbitrary: fc
      .tuple(fc.integer({ min: 262_145, max: 600_000 }), fc.integer())
      .map(([length, seed]) => seededBytes(length, seed)),
  },
);

export const partType = fc.option(
  fc.constantFrom('text/plain', 'application/octet-stream', 'image/png', 'Application/JSON'),
  { nil: undefined },
);

/** A file part under `file` (or another field), encoded either way. */
export const filePart = (field: fc.Arbitrary<string | undefined>, filename = filePath) =>
  fc.record({
    kind: fc.constant('file' as const),
    field,
    filename,
    content: fileContent,
    type: partType,
    encoding: fc.constantFrom('quoted' as const, 'extended' as const),
  });

export const fieldPart = (field: fc.Arbitrary<string | undefined>, value: fc.Arbitrary<string>) =>
  fc.record({ kind: fc.constant('field' as const), field, value });

export const formOf = (parts: fc.Arbitrary<Part[]>): fc.Arbitrary<Form> =>
  fc.record({
    boundary,
    mediaType: fc.mixedCase(fc.constant('multipart/form-data')),
    boundaryParam: fc.mixedCase(fc.constant('boundary')),
    dispositionHeader: fc.mixedCase(fc.constant('Content-Disposition')),
    formData: fc.mixedCase(fc.constant('form-data')),
    parts,
  });

export function contentType(form: Form): string {
  const plain = /^[0-9A-Za-z'+_\-.]+$/.test(form.boundary);
  const value = plain ? form.boundary : `"${form.boundary}"`;
  return `${form.mediaType}; ${form.boundaryParam}=${value}`;
}

/** The body bytes, or undefined when a part happens to contain its own delimiter. */
export function encodeForm(form: Form): Uint8Array | undefined {
  const delimiter = Buffer.from(`\r\n--${form.boundary}`);
  const chunks: Buffer[] = [];
  for (const part of form.parts) {
    const params: string[] = [];
    if (part.field !== undefined) params.push(`name="${quoted(part.field)}"`);
    if (part.kind === 'file') params.push(filenameParam(part));
    let head = `--${form.boundary}\r\n${form.dispositionHeader}: ${[form.formData, ...params].join('; ')}\r\n`;
    if (part.kind === 'file' && part.type !== undefined) head += `Content-Type: ${part.type}\r\n`;
    const content = part.kind === 'file' ? Buffer.from(part.content) : Buffer.from(part.value);
    if (Buffer.concat([Buffer.from('\r\n'), content]).includes(delimiter)) return undefined;
    chunks.push(Buffer.from(`${head}\r\n`), content, Buffer.from('\r\n'));
  }
  chunks.push(Buffer.from(`--${form.boundary}--\r\n`));
  return new Uint8Array(Buffer.concat(chunks));
}

/**
 * Whether a part is form data as RFC 7578 has it, with headers the grammar allows: it names
 * its field, a quoted string holds no control character but HTAB, and an RFC 5987 value is not
 * empty (busboy's reading). A body with any other part is malformed, whatever its field.
 */
export function isWellFormed(part: Part): boolean {
  if (!part.field || !isQuotable(part.field)) return false;
  if (part.kind === 'field') return true;
  return usesExtendedValue(part) ? part.filename !== '' : isQuotable(part.filename);
}

/** Whether a quoted string can hold the text: no control character but HTAB. */
function isQuotable(text: string): boolean {
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if ((code < 0x20 && code !== 0x09) || code === 0x7f) return false;
  }
  return true;
}

const usesExtendedValue = (part: FileSpec) =>
  part.encoding === 'extended' || /[\r\n]/.test(part.filename);

/** Filenames with CR or LF cannot be quoted inside a header line: those go RFC 5987-encoded. */
function filenameParam(part: FileSpec): string {
  if (!usesExtendedValue(part)) {
    return `filename="${quoted(part.filename)}"`;
  }
  return `filename*=UTF-8''${percentEncode(part.filename)}`;
}

const quoted = (text: string) => text.replace(/["\\]/g, (c) => `\\${c}`);

/** Every byte that is not an RFC 5987 attr-char, percent-encoded. */
function percentEncode(text: string): string {
  let out = '';
  for (const byte of Buffer.from(text, 'utf8')) {
    const c = String.fromCharCode(byte);
    out += /[A-Za-z0-9!#$&+\-.^_`|~]/.test(c)
      ? c
      : `%${byte.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return out;
}
