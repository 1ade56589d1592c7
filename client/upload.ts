/**
 * Sending a DAG: laid out as one CAR or several that share its root, each sent inline
 * (`POST /upload`) when small, else staged in S3 — one PUT, or a multipart upload whose parts
 * are built as they are sent, several at once — then verified by the server. A multipart upload
 * interrupted midway resumes: the server lists the parts S3 already has, and only the others
 * are built and sent again.
 */
import type * as z from 'zod/mini';
import type { StagedUpload, StagedUploadTicket } from '../contract/staged-uploads.ts';
import { type CarLayout, layoutCars, renderRange } from './car.ts';
import type { DagSource } from './dag.ts';
import { envelopeValue, HttpError, type HttpOptions, type RateLimiter, send } from './http.ts';

type Ticket = z.infer<typeof StagedUploadTicket>;
type Staged = z.infer<typeof StagedUpload>;
type PartUrl = Extract<Ticket['upload'], { method: 'multipart' }>['parts'][number];

/** Where interrupted staged uploads are remembered, so the next attempt resumes them. */
export interface ResumeStore {
  get(key: string): string | undefined | Promise<string | undefined>;
  set(key: string, id: string): void | Promise<void>;
  delete(key: string): void | Promise<void>;
}

export const memoryResumeStore = (): ResumeStore => {
  const ids = new Map<string, string>();
  return {
    get: (key) => ids.get(key),
    set: (key, id) => void ids.set(key, id),
    delete: (key) => void ids.delete(key),
  };
};

export interface Progress {
  phase: 'uploading' | 'validating' | 'stored';
  /** Bytes of CAR sent (or found already sent) so far, and in all. */
  bytes: number;
  total: number;
  /** The CAR this is about, when the DAG is sent as several. */
  car: number;
  cars: number;
}

export interface UploadStats {
  partsSent: number;
  /** Parts S3 already had from an interrupted attempt. */
  partsSkipped: number;
}

export interface SendOptions extends HttpOptions {
  endpoint: URL;
  token: string;
  rateLimiter?: RateLimiter | undefined;
  /** CARs up to this size go inline (the server's MAX_INLINE_UPLOAD_BYTES). */
  maxInlineBytes: number;
  /** A DAG larger than this is split into CARs that share its root. */
  maxCarBytes: number;
  /** Part size to ask a multipart upload for (default: the server's). */
  partSize?: number | undefined;
  /** Parts sent at once. */
  concurrency: number;
  /** Sign each part's SHA-256 into its URL (one more API request per part). */
  partChecksums: boolean;
  resume: ResumeStore;
  name?: string | undefined;
  onProgress?: ((progress: Progress) => void) | undefined;
  /** nft.storage's callback: the bytes of each CAR once stored. */
  onStoredChunk?: ((size: number) => void) | undefined;
  stats?: UploadStats;
}

/** The client's view of the API: authenticated JSON requests with retries. */
function apiOf(options: SendOptions) {
  const url = (path: string) => new URL(path, options.endpoint).toString();
  const headers = {
    authorization: `Bearer ${options.token}`,
    'x-client': 'pinstack/js',
  };
  return {
    async json<T>(method: string, path: string, body?: unknown): Promise<T> {
      const response = await send(
        () => ({
          url: url(path),
          init: {
            method,
            headers:
              body === undefined ? headers : { ...headers, 'content-type': 'application/json' },
            ...(body === undefined ? {} : { body: JSON.stringify(body) }),
          },
        }),
        options,
        options.rateLimiter,
      );
      return envelopeValue<T>(response);
    },
    async car(bytes: Uint8Array, name?: string): Promise<{ cid: string }> {
      const response = await send(
        () => ({
          url: url('upload/'),
          init: {
            method: 'POST',
            headers: {
              ...headers,
              'content-type': 'application/car',
              ...(name ? { 'x-name': encodeURIComponent(name) } : {}),
            },
            body: bytes,
          },
        }),
        options,
        options.rateLimiter,
      );
      return envelopeValue(response);
    },
  };
}

type Api = ReturnType<typeof apiOf>;

/** Sends a DAG (as laid out, or as `layoutCars` lays it out); answers the root CID stored. */
export async function sendDag(
  dag: DagSource,
  options: SendOptions,
  layouts?: CarLayout[],
): Promise<string> {
  const cars = layouts ?? (await layoutCars(dag, options.maxCarBytes));
  const api = apiOf(options);
  const total = cars.reduce((sum, car) => sum + car.size, 0);
  let done = 0;
  let cid = dag.root.toString();
  for (const [index, car] of cars.entries()) {
    const report = (phase: Progress['phase'], bytes: number) =>
      options.onProgress?.({ phase, bytes: done + bytes, total, car: index, cars: cars.length });
    cid =
      car.size <= options.maxInlineBytes
        ? (await api.car(await renderRange(car, dag, 0, car.size), options.name)).cid
        : await sendStaged(api, car, index, dag, options, report);
    done += car.size;
    report('stored', 0);
    options.onStoredChunk?.(car.size);
  }
  return cid;
}

async function sendStaged(
  api: Api,
  car: CarLayout,
  index: number,
  dag: DagSource,
  options: SendOptions,
  report: (phase: Progress['phase'], bytes: number) => void,
): Promise<string> {
  const resumeKey = `${options.endpoint}|${car.root}|${index}|${car.size}`;
  let state = await resumable(api, await options.resume.get(resumeKey));
  let ticket: Ticket | undefined;
  if (!state) {
    ticket = await api.json<Ticket>('POST', 'staged-uploads', {
      size: car.size,
      ...(options.name ? { name: options.name } : {}),
      ...(options.partSize ? { partSize: options.partSize } : {}),
      ...(options.partChecksums ? { partChecksums: true } : {}),
    });
    await options.resume.set(resumeKey, ticket.id);
    state = { ...ticket, parts: [] } as unknown as Staged;
  }
  const id = state.id;
  if (state.status === 'uploading' || state.status === 'waiting') {
    if (ticket?.upload.method === 'PUT') {
      await putBytes(ticket.upload, await renderRange(car, dag, 0, car.size), options);
      if (options.stats) options.stats.partsSent++;
      report('uploading', car.size);
    } else {
      await sendParts(api, id, car, dag, state, ticket, options, report);
    }
  }
  report('validating', car.size);
  const final = await settled(api, id, options.signal);
  await options.resume.delete(resumeKey);
  if (final.status !== 'stored' || !final.cid) {
    throw new HttpError(
      final.error?.message ?? `staged upload ${id} ${final.status}`,
      400,
      final.error?.code,
    );
  }
  return final.cid;
}

/** A remembered staged upload worth continuing, or undefined to start afresh. */
async function resumable(api: Api, id: string | undefined): Promise<Staged | undefined> {
  if (!id) return undefined;
  let state: Staged;
  try {
    state = await api.json<Staged>('GET', `staged-uploads/${id}`);
  } catch (error) {
    if (error instanceof HttpError && error.status === 404) return undefined;
    throw error;
  }
  // A single PUT starts over; a multipart upload resumes; a finished one is done.
  if (state.method === 'multipart' && state.status === 'uploading') return state;
  if (state.status === 'validating' || state.status === 'stored') return state;
  return undefined;
}

async function sendParts(
  api: Api,
  id: string,
  car: CarLayout,
  dag: DagSource,
  state: Staged,
  ticket: Ticket | undefined,
  options: SendOptions,
  report: (phase: Progress['phase'], bytes: number) => void,
): Promise<void> {
  const upload = ticket?.upload.method === 'multipart' ? ticket.upload : undefined;
  const partSize = upload?.partSize ?? (state.partSize as number);
  const partCount = upload?.partCount ?? (state.partCount as number);
  const sizeOf = (n: number) => (n < partCount ? partSize : car.size - partSize * (partCount - 1));
  const etags = new Map<number, { etag: string; sha256?: string }>();
  for (const part of state.parts ?? []) {
    // A part of another size was cut differently: it is sent again.
    if (part.size === sizeOf(part.partNumber)) etags.set(part.partNumber, { etag: part.etag });
  }
  if (options.stats) options.stats.partsSkipped += etags.size;
  let sent = [...etags.keys()].reduce((sum, n) => sum + sizeOf(n), 0);
  report('uploading', sent);

  const urls = new Map<number, Promise<PartUrl>>();
  for (const part of upload?.parts ?? []) urls.set(part.partNumber, Promise.resolve(part));
  const missing = Array.from({ length: partCount }, (_, i) => i + 1).filter((n) => !etags.has(n));
  /** URLs for a page of the parts still to send, from `n` on, asked for once. */
  const urlFor = (n: number, refresh = false): Promise<PartUrl> => {
    if (refresh) urls.delete(n);
    const known = urls.get(n);
    if (known) return known;
    const page = missing.filter((m) => m >= n && !urls.has(m)).slice(0, 100);
    const signed = api
      .json<{ parts: PartUrl[] }>('POST', `staged-uploads/${id}/parts`, {
        parts: page.map((partNumber) => ({ partNumber })),
      })
      .then((answer) => new Map(answer.parts.map((part) => [part.partNumber, part])));
    for (const m of page)
      urls.set(
        m,
        signed.then((parts) => parts.get(m) as PartUrl),
      );
    return urls.get(n) as Promise<PartUrl>;
  };
  const checksummed = async (n: number, bytes: Uint8Array): Promise<PartUrl> => {
    const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', bytes));
    const sha256 = base64(digest);
    const { parts } = await api.json<{ parts: PartUrl[] }>('POST', `staged-uploads/${id}/parts`, {
      parts: [{ partNumber: n, sha256 }],
    });
    return parts[0] as PartUrl;
  };

  let next = 0;
  const worker = async () => {
    for (let i = next++; i < missing.length; i = next++) {
      const n = missing[i] as number;
      const start = (n - 1) * partSize;
      const bytes = await renderRange(car, dag, start, start + sizeOf(n));
      let url = options.partChecksums ? await checksummed(n, bytes) : await urlFor(n);
      let etag: string;
      try {
        etag = await putBytes(url, bytes, options);
      } catch (error) {
        // An expired URL: S3 answers 403. A fresh one, once.
        if (!(error instanceof HttpError && error.status === 403)) throw error;
        url = options.partChecksums ? await checksummed(n, bytes) : await urlFor(n, true);
        etag = await putBytes(url, bytes, options);
      }
      etags.set(n, {
        etag,
        ...(url.headers['x-amz-checksum-sha256']
          ? { sha256: url.headers['x-amz-checksum-sha256'] }
          : {}),
      });
      if (options.stats) options.stats.partsSent++;
      sent += bytes.byteLength;
      report('uploading', sent);
    }
  };
  await Promise.all(Array.from({ length: Math.min(options.concurrency, missing.length) }, worker));
  await api.json('POST', `staged-uploads/${id}/complete`, {
    parts: Array.from({ length: partCount }, (_, i) => {
      const part = etags.get(i + 1) as { etag: string; sha256?: string };
      return { partNumber: i + 1, ...part };
    }),
  });
}

/** PUTs bytes to a presigned URL with its headers; answers the ETag S3 gave them. */
async function putBytes(
  target: { url: string; headers: Record<string, string> },
  bytes: Uint8Array,
  options: HttpOptions,
): Promise<string> {
  const response = await send(
    () => ({ url: target.url, init: { method: 'PUT', headers: target.headers, body: bytes } }),
    options,
  );
  if (!response.ok) {
    const text = await response.text();
    throw new HttpError(
      `S3 refused the upload (${response.status}): ${text.slice(0, 200)}`,
      response.status,
    );
  }
  await response.body?.cancel();
  return response.headers.get('etag') ?? '';
}

/** Polls a staged upload until it is stored or failed. */
async function settled(api: Api, id: string, signal?: AbortSignal): Promise<Staged> {
  for (let delay = 100; ; delay = Math.min(2000, delay * 1.5)) {
    const state = await api.json<Staged>('GET', `staged-uploads/${id}`);
    if (state.status === 'stored' || state.status === 'failed') return state;
    await new Promise<void>((resolve, reject) => {
      if (signal?.aborted) return reject(signal.reason);
      setTimeout(resolve, delay);
    });
  }
}

function base64(bytes: Uint8Array): string {
  let text = '';
  for (const byte of bytes) text += String.fromCharCode(byte);
  return btoa(text);
}
