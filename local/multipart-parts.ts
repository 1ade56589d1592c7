/**
 * ListParts for the local stack. fauxqs implements multipart uploads but not ListParts (it
 * routes the request to GetObject), and "which parts does S3 have" is what lets a client
 * resume an interrupted upload. The S3 proxy in front of fauxqs sees every multipart request,
 * so it keeps this registry of open uploads and their parts and answers ListParts from it, in
 * the S3 wire format: handlers call ListParts exactly as on AWS.
 *
 * With a log file (the persisted local stack) every change is appended to it and replayed on
 * start, so uploads stay listable across restarts, as fauxqs keeps their parts.
 */
import { appendFileSync, readFileSync } from 'node:fs';

export interface RecordedPart {
  partNumber: number;
  etag: string;
  size: number;
  lastModified: string;
}

interface OpenUpload {
  bucket: string;
  key: string;
  parts: Map<number, RecordedPart>;
}

type LogLine =
  | { op: 'open'; uploadId: string; bucket: string; key: string }
  | { op: 'part'; uploadId: string; bucket: string; key: string; part: RecordedPart }
  | { op: 'close'; uploadId: string };

export class MultipartRegistry {
  readonly #uploads = new Map<string, OpenUpload>();
  readonly #log: string | undefined;

  constructor(log?: string) {
    this.#log = log;
    if (!log) return;
    let text = '';
    try {
      text = readFileSync(log, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    }
    for (const line of text.split('\n')) {
      if (line.trim() === '') continue;
      try {
        this.#apply(JSON.parse(line) as LogLine);
      } catch {
        // A line cut off by a crash: the ones before it still count.
      }
    }
  }

  open(uploadId: string, bucket: string, key: string): void {
    this.#record({ op: 'open', uploadId, bucket, key });
  }

  part(uploadId: string, bucket: string, key: string, part: RecordedPart): void {
    this.#record({ op: 'part', uploadId, bucket, key, part });
  }

  /** A completed or aborted upload: S3 no longer lists its parts. */
  close(uploadId: string): void {
    if (this.#uploads.has(uploadId)) this.#record({ op: 'close', uploadId });
  }

  /** S3's ListParts answer (status and XML body) for an upload. */
  listParts(
    bucket: string,
    key: string,
    uploadId: string,
    query: URLSearchParams,
  ): { status: number; body: string } {
    const upload = this.#uploads.get(uploadId);
    if (!upload || upload.bucket !== bucket || upload.key !== key) {
      return {
        status: 404,
        body: xml(
          `<Error><Code>NoSuchUpload</Code><Message>The specified upload does not exist.</Message><UploadId>${escapeXml(uploadId)}</UploadId></Error>`,
        ),
      };
    }
    const marker = Number(query.get('part-number-marker') ?? 0);
    const maxParts = Math.min(1000, Number(query.get('max-parts') ?? 1000) || 1000);
    const after = [...upload.parts.values()]
      .filter((part) => part.partNumber > marker)
      .sort((a, b) => a.partNumber - b.partNumber);
    const page = after.slice(0, maxParts);
    const truncated = after.length > page.length;
    const next = page.at(-1)?.partNumber ?? marker;
    const parts = page
      .map(
        (part) =>
          `<Part><PartNumber>${part.partNumber}</PartNumber><LastModified>${part.lastModified}</LastModified><ETag>${escapeXml(part.etag)}</ETag><Size>${part.size}</Size></Part>`,
      )
      .join('');
    return {
      status: 200,
      body: xml(
        `<ListPartsResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Bucket>${escapeXml(bucket)}</Bucket><Key>${escapeXml(key)}</Key><UploadId>${escapeXml(uploadId)}</UploadId><PartNumberMarker>${marker}</PartNumberMarker><NextPartNumberMarker>${next}</NextPartNumberMarker><MaxParts>${maxParts}</MaxParts><IsTruncated>${truncated}</IsTruncated>${parts}</ListPartsResult>`,
      ),
    };
  }

  #record(line: LogLine): void {
    this.#apply(line);
    if (this.#log) appendFileSync(this.#log, `${JSON.stringify(line)}\n`);
  }

  #apply(line: LogLine): void {
    if (line.op === 'close') {
      this.#uploads.delete(line.uploadId);
      return;
    }
    // A part of an upload opened before the registry existed opens it.
    let upload = this.#uploads.get(line.uploadId);
    if (!upload) {
      upload = { bucket: line.bucket, key: line.key, parts: new Map() };
      this.#uploads.set(line.uploadId, upload);
    }
    if (line.op === 'part') upload.parts.set(line.part.partNumber, line.part);
  }
}

const xml = (body: string) => `<?xml version="1.0" encoding="UTF-8"?>\n${body}`;

function escapeXml(text: string): string {
  return text
    .replaceAll('&', '&amp;')
    .replaceAll('<', '&lt;')
    .replaceAll('>', '&gt;')
    .replaceAll('"', '&quot;');
}
