/** multipart/form-data request bodies, parsed with busboy (only the routes that take them load it). */
import busboy from 'busboy';
import { FailureError, failure } from '../core/failures.ts';

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

/** Parses a buffered multipart/form-data body. File names keep their `/` (directory paths). */
export function parseMultipart(contentType: string, body: Uint8Array): Promise<FormData> {
  return new Promise((resolve, reject) => {
    const files: FilePart[] = [];
    const fields = new Map<string, string>();
    const badRequest = (message: string) => new FailureError(failure.invalidRequest(message));
    let parser: busboy.Busboy;
    try {
      parser = busboy({
        headers: { 'content-type': contentType },
        preservePath: true,
        // File names arrive as raw UTF-8 (what browsers and curl -F send), not Latin-1.
        defParamCharset: 'utf8',
        limits: { fieldSize: 1024 * 1024 },
      });
    } catch (error) {
      reject(badRequest(`invalid multipart body: ${(error as Error).message}`));
      return;
    }
    parser.on('file', (field, stream, info) => {
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
      if (info.valueTruncated) {
        reject(badRequest(`multipart field "${field}" is larger than 1 MiB`));
        return;
      }
      fields.set(field, value);
    });
    parser.on('error', (error: Error) =>
      reject(badRequest(`invalid multipart body: ${error.message}`)),
    );
    parser.on('close', () => resolve({ files, fields }));
    parser.end(Buffer.from(body.buffer, body.byteOffset, body.length));
  });
}
