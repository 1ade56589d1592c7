/** multipart/form-data request bodies, parsed with busboy (only the routes that take them load it). */
import busboy from 'busboy';
import { FailureError, failure, quote } from '../core/failures.ts';

export interface FilePart {
  field: string;
  name: string;
  type: string;
  content: Uint8Array;
}

export interface FormData {
  files: FilePart[];
  fields: Map<string, string>;
}

/**
 * Parses a buffered multipart/form-data body. File names keep their `/` (directory paths).
 * Every part must be form data with a field name (RFC 7578): busboy would skip a part without
 * a usable Content-Disposition without a word, and the upload would silently lack a file; a
 * part without a name would reach the routes as a field named `undefined`.
 */
export async function parseMultipart(contentType: string, body: Uint8Array): Promise<FormData> {
  const bytes = Buffer.from(body.buffer, body.byteOffset, body.length);
  const form = await parse(contentType, bytes);
  const reported = form.files.length + form.fields.size + form.repeatedFields;
  if (await hasMoreParts(contentType, bytes, reported)) {
    throw badRequest('invalid multipart body: a part has no usable form-data Content-Disposition');
  }
  return { files: form.files, fields: form.fields };
}

const badRequest = (message: string) => new FailureError(failure.invalidRequest(message));

function parserFor(contentType: string, limits: busboy.Limits): busboy.Busboy {
  try {
    return busboy({
      headers: { 'content-type': contentType },
      preservePath: true,
      // File names arrive as raw UTF-8 (what browsers and curl -F send), not Latin-1.
      defParamCharset: 'utf8',
      limits,
    });
  } catch (error) {
    // Busboy's message may quote the whole Content-Type.
    throw badRequest(`invalid multipart body: ${quote((error as Error).message)}`);
  }
}

function parse(contentType: string, bytes: Buffer): Promise<FormData & { repeatedFields: number }> {
  return new Promise((resolve, reject) => {
    const files: FilePart[] = [];
    const fields = new Map<string, string>();
    let repeatedFields = 0;
    const parser = parserFor(contentType, { fieldSize: 1024 * 1024 });
    const unnamed = () => reject(badRequest('invalid multipart body: a part has no field name'));
    parser.on('file', (field, stream, info) => {
      if (!field) unnamed();
      const chunks: Buffer[] = [];
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      stream.on('end', () => {
        // Parts of a buffered body arrive as views into it: a one-chunk file needs no copy.
        const content = chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks);
        files.push({
          field,
          name: info.filename ?? '',
          type: info.mimeType ?? '',
          content: new Uint8Array(content.buffer, content.byteOffset, content.length),
        });
      });
    });
    parser.on('field', (field, value, info) => {
      if (!field) {
        unnamed();
        return;
      }
      if (info.valueTruncated) {
        reject(badRequest(`multipart field "${quote(field)}" is larger than 1 MiB`));
        return;
      }
      if (fields.has(field)) repeatedFields++;
      fields.set(field, value);
    });
    parser.on('error', (error: Error) =>
      reject(badRequest(`invalid multipart body: ${quote(error.message)}`)),
    );
    parser.on('close', () => resolve({ files, fields, repeatedFields }));
    parser.end(bytes);
  });
}

/**
 * Whether the body holds more than `reported` parts. Busboy counts every part it meets,
 * including the ones it skips, against `limits.parts`: a limit one past the reported parts is
 * reached only if some part was skipped.
 */
function hasMoreParts(contentType: string, bytes: Buffer, reported: number): Promise<boolean> {
  return new Promise((resolve) => {
    const parser = parserFor(contentType, { parts: reported + 1 });
    parser.on('partsLimit', () => resolve(true));
    parser.on('error', () => resolve(true));
    parser.on('close', () => resolve(false));
    parser.end(bytes);
  });
}
