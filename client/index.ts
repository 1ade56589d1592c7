/**
 * `pinstack/client`: a drop-in for the nft.storage JS client 7.x — the same class, constructor
 * and methods — for a pinstack deployment. Switching is one import line:
 *
 *   import { NFTStorage, File, Blob } from 'pinstack/client';
 *   const client = new NFTStorage({ token, endpoint: new URL('https://api.example.com/') });
 *   const cid = await client.storeBlob(new Blob(['hello world']));
 *
 * It computes CIDs locally with the server's UnixFS parameters, sends small CARs through
 * `POST /upload` and larger ones as staged (S3) uploads — multipart, several parts at once,
 * resumed when interrupted — splits DAGs over `maxChunkSize` into CARs that share the root,
 * retries 429 and 5xx with backoff (honouring Retry-After), reports progress, and reads files
 * in slices, never whole. Web-standard APIs only (fetch, Blob, WebCrypto): it runs in Node.js
 * and in browsers, and loads nothing of the server (no AWS SDK, CDK or emulators).
 */
import type { CID } from 'multiformats/cid';
import type { CheckView, NftStatus } from '../contract/status.ts';
import { type CarLayout, DagCarReader } from './car.ts';
import { type CarReaderLike, carFileDag, readerDag } from './car-input.ts';
import { type DagSource, type FileLike, type FileObject, packFiles } from './dag.ts';
import { createRateLimiter, envelopeValue, HttpError, type RateLimiter, send } from './http.ts';
import { encodeNFT, Token, type TokenInput, toGatewayURL } from './nft.ts';
import {
  memoryResumeStore,
  type Progress,
  type ResumeStore,
  sendDag,
  type UploadStats,
} from './upload.ts';

export type { FileObject, Progress, RateLimiter, ResumeStore, TokenInput, UploadStats };
export { createRateLimiter, DagCarReader as CarReader, HttpError, Token, toGatewayURL };

/** Node.js and browsers have these globally; nft.storage's client exports them too. */
export const File = globalThis.File;
export const Blob = globalThis.Blob;

export type CIDString = string;
export type FilesSource = Iterable<FileLike> | AsyncIterable<FileLike>;

export interface Service {
  endpoint: URL;
  token: string;
  rateLimiter?: RateLimiter;
  did?: string;
}

export interface PublicService {
  endpoint: URL;
  rateLimiter?: RateLimiter;
}

export interface RequestOptions {
  signal?: AbortSignal;
}

export interface StoreOptions extends RequestOptions {
  /** A DAG larger than this is split into CARs that share its root (default 32 GiB). */
  maxChunkSize?: number;
  maxRetries?: number;
  /** nft.storage's callback: called with each CAR's size once it is stored. */
  onStoredChunk?: (size: number) => void;
  onProgress?: (progress: Progress) => void;
  /** Parts of a multipart upload sent at once (default 4). */
  concurrency?: number;
  /** Part size to ask a multipart upload for (default: the server's `STAGED_PART_BYTES`). */
  partSize?: number;
  /** Sign each part's SHA-256 into its URL, so S3 refuses a corrupted part at once. */
  partChecksums?: boolean;
  /** Remembers interrupted staged uploads (default: in memory, for this client). */
  resume?: ResumeStore;
  /** An upload name (`x-name`, or the staged upload's name). */
  name?: string;
  /** Counts parts sent and skipped (resumed). */
  stats?: UploadStats;
}

export interface StatusResult {
  cid: string;
  size: number;
  deals: unknown[];
  pin: { cid: string; name?: string; status: string; created: Date };
  created: Date;
}

export interface CheckResult {
  cid: string;
  pin: { status: string };
  deals: unknown[];
}

export interface ClientOptions {
  token: string;
  endpoint?: URL;
  rateLimiter?: RateLimiter;
  did?: string;
  /** CARs up to this many bytes are sent inline (the server's MAX_INLINE_UPLOAD_BYTES). */
  maxInlineBytes?: number;
  /** Another fetch (a proxy, a test). */
  fetch?: typeof fetch;
}

const DEFAULT_ENDPOINT = new URL('https://api.nft.storage');
const INLINE_BYTES = 4 * 1024 * 1024;
const MAX_CAR_BYTES = 32 * 1024 ** 3;
const MAX_RETRIES = 5;
const RETRY_DELAY_MS = 500;

type Lazy<T> = T | undefined;

/** Settings the static methods read from the service they are given (this, for instances). */
interface Internals {
  maxInlineBytes?: number;
  fetch?: typeof fetch;
  resume?: ResumeStore;
}

const http = (
  service: Partial<Service & Internals>,
  options: RequestOptions & { maxRetries?: number },
) => ({
  fetch: service.fetch ?? globalThis.fetch.bind(globalThis),
  maxRetries: options.maxRetries ?? MAX_RETRIES,
  retryDelayMs: RETRY_DELAY_MS,
  signal: options.signal,
});

function auth(service: { token?: string; did?: string }): Record<string, string> {
  if (!service.token) throw new Error('missing token');
  return {
    authorization: `Bearer ${service.token}`,
    'x-client': 'pinstack/js',
    ...(service.did ? { 'x-agent-did': service.did } : {}),
  };
}

const globalRateLimiter = createRateLimiter();

async function api<T>(
  service: Partial<Service & Internals> & { endpoint: URL },
  method: string,
  path: string,
  options: RequestOptions = {},
  authenticated = true,
): Promise<T> {
  const response = await send(
    () => ({
      url: new URL(path, service.endpoint).toString(),
      init: { method, headers: authenticated ? auth(service) : {} },
    }),
    http(service, options),
    service.rateLimiter ?? globalRateLimiter,
  );
  return envelopeValue<T>(response);
}

/** The DAG of what storeCar was given, and a CAR file's own layout when it has one. */
async function dagOfCar(
  car: Blob | CarReaderLike,
): Promise<{ dag: DagSource; layout?: CarLayout }> {
  if (car instanceof DagCarReader) return { dag: car.dag };
  if (car instanceof globalThis.Blob) return carFileDag(car);
  return { dag: await readerDag(car) };
}

export class NFTStorage {
  readonly token: string;
  readonly endpoint: URL;
  readonly rateLimiter: RateLimiter;
  readonly did: string | undefined;
  readonly maxInlineBytes: number;
  readonly fetch: Lazy<typeof fetch>;
  /** Interrupted staged uploads of this client, resumed by the next store of the same DAG. */
  readonly resume: ResumeStore = memoryResumeStore();

  constructor({
    token,
    did,
    endpoint = DEFAULT_ENDPOINT,
    rateLimiter,
    maxInlineBytes = INLINE_BYTES,
    fetch,
  }: ClientOptions) {
    this.token = token;
    this.endpoint = endpoint;
    this.rateLimiter = rateLimiter ?? createRateLimiter();
    this.did = did;
    this.maxInlineBytes = maxInlineBytes;
    this.fetch = fetch;
  }

  static auth(service: { token: string; did?: string }) {
    return auth(service);
  }

  /** Stores a single file; answers its CID. */
  static async storeBlob(service: Service, blob: Blob, options?: StoreOptions): Promise<CIDString> {
    const { cid, car } = await NFTStorage.encodeBlob(blob);
    await NFTStorage.storeCar(service, car, options);
    return cid.toString();
  }

  /** Stores a CAR (a Blob of one, or a CarReader); answers its root CID. */
  static async storeCar(
    service: Service,
    car: Blob | CarReaderLike,
    options: StoreOptions = {},
  ): Promise<CIDString> {
    const internals = service as Service & Internals;
    const { dag, layout } = await dagOfCar(car);
    const maxCarBytes = options.maxChunkSize ?? MAX_CAR_BYTES;
    // A CAR file that needs no splitting goes as it is.
    const layouts = layout && layout.size <= maxCarBytes ? [layout] : undefined;
    return sendDag(
      dag,
      {
        ...http(internals, options),
        endpoint: service.endpoint,
        token: service.token,
        rateLimiter: service.rateLimiter ?? globalRateLimiter,
        maxInlineBytes: internals.maxInlineBytes ?? INLINE_BYTES,
        maxCarBytes,
        partSize: options.partSize,
        concurrency: options.concurrency ?? 4,
        partChecksums: options.partChecksums ?? false,
        resume: options.resume ?? internals.resume ?? memoryResumeStore(),
        name: options.name,
        onProgress: options.onProgress,
        onStoredChunk: options.onStoredChunk,
        ...(options.stats ? { stats: options.stats } : {}),
      },
      layouts,
    );
  }

  /** Stores files in a directory; answers the directory's CID. */
  static async storeDirectory(
    service: Service,
    files: FilesSource,
    options?: StoreOptions,
  ): Promise<CIDString> {
    const { cid, car } = await NFTStorage.encodeDirectory(files);
    await NFTStorage.storeCar(service, car, options);
    return cid.toString();
  }

  /** Stores ERC-1155 metadata and the files it holds; answers the Token. */
  static async store<T extends TokenInput>(
    service: Service,
    metadata: T,
    options?: StoreOptions,
  ): Promise<Token<T>> {
    const { token, car } = await NFTStorage.encodeNFT(metadata);
    await NFTStorage.storeCar(service, car, options);
    return token;
  }

  static async status(
    service: Service,
    cid: string,
    options?: RequestOptions,
  ): Promise<StatusResult> {
    const value = await api<NftStatus>(service, 'GET', `${cid}/`, options);
    return {
      cid: value.cid,
      deals: value.deals,
      size: value.size,
      pin: { ...value.pin, created: new Date(value.pin.created) },
      created: new Date(value.created),
    };
  }

  static async check(
    service: PublicService,
    cid: string,
    options?: RequestOptions,
  ): Promise<CheckResult> {
    const value = await api<CheckView>(service, 'GET', `check/${cid}/`, options, false);
    return { cid: value.cid, pin: value.pin, deals: value.deals };
  }

  static async delete(service: Service, cid: string, options?: RequestOptions): Promise<void> {
    const response = await send(
      () => ({
        url: new URL(`${cid}/`, service.endpoint).toString(),
        init: { method: 'DELETE', headers: auth(service) },
      }),
      http(service as Service & Internals, options ?? {}),
      service.rateLimiter ?? globalRateLimiter,
    );
    await envelopeValue(response).catch((error: unknown) => {
      // DELETE answers `{"ok":true}` without a value.
      if (!(error instanceof HttpError)) throw error;
      if (response.ok) return;
      throw error;
    });
  }

  /** Every upload of this account, newest first, page by page (pinstack's `GET /`). */
  static async *list(
    service: Service,
    options: RequestOptions & { limit?: number; before?: Date } = {},
  ): AsyncGenerator<NftStatus> {
    let cursor: string | undefined;
    do {
      const query = new URLSearchParams({ limit: String(options.limit ?? 100) });
      if (cursor) query.set('cursor', cursor);
      else if (options.before) query.set('before', options.before.toISOString());
      const response = await send(
        () => ({
          url: new URL(`?${query}`, service.endpoint).toString(),
          init: { headers: auth(service) },
        }),
        http(service as Service & Internals, options),
        service.rateLimiter ?? globalRateLimiter,
      );
      cursor = response.headers.get('x-next-cursor') ?? undefined;
      yield* await envelopeValue<NftStatus[]>(response);
    } while (cursor);
  }

  static async encodeBlob(blob: Blob): Promise<{ cid: CID; car: DagCarReader }> {
    if (blob.size === 0) {
      throw new Error('Content size is 0, make sure to provide some content');
    }
    const dag = await packFiles([{ path: 'blob', file: blob }], false);
    return { cid: dag.root, car: new DagCarReader(dag) };
  }

  static async encodeDirectory(files: FilesSource): Promise<{ cid: CID; car: DagCarReader }> {
    const entries: { path: string; file: FileLike }[] = [];
    let size = 0;
    for await (const file of files) {
      entries.push({ path: (file as File | FileObject).name, file });
      size += file.size;
    }
    if (size === 0) {
      throw new Error('Total size of files should exceed 0, make sure to provide some content');
    }
    const dag = await packFiles(entries, true);
    return { cid: dag.root, car: new DagCarReader(dag) };
  }

  static async encodeNFT<T extends TokenInput>(
    input: T,
  ): Promise<{ cid: CID; token: Token<T>; car: DagCarReader }> {
    const { cid, token, dag } = await encodeNFT(input);
    return { cid, token, car: new DagCarReader(dag) };
  }

  storeBlob(blob: Blob, options?: StoreOptions) {
    return NFTStorage.storeBlob(this, blob, options);
  }

  storeCar(car: Blob | CarReaderLike, options?: StoreOptions) {
    return NFTStorage.storeCar(this, car, options);
  }

  storeDirectory(files: FilesSource, options?: StoreOptions) {
    return NFTStorage.storeDirectory(this, files, options);
  }

  store<T extends TokenInput>(token: T, options?: StoreOptions) {
    return NFTStorage.store(this, token, options);
  }

  status(cid: string, options?: RequestOptions) {
    return NFTStorage.status(this, cid, options);
  }

  check(cid: string, options?: RequestOptions) {
    return NFTStorage.check(this, cid, options);
  }

  delete(cid: string, options?: RequestOptions) {
    return NFTStorage.delete(this, cid, options);
  }

  list(options?: RequestOptions & { limit?: number; before?: Date }) {
    return NFTStorage.list(this, options);
  }
}
