/**
 * The content commands: `put`, `put-car`, `status`, `check`, `ls`, `rm` — pinstack/client
 * driven from a shell. Files stream from disk (`fs.openAsBlob`: read in slices, never whole);
 * an interrupted `put` leaves its staged upload in a small resume file, so running it again
 * sends only what S3 does not have yet.
 */

import { openAsBlob } from 'node:fs';
import { mkdir, readdir, readFile, rename, stat, writeFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { basename, join, relative, sep } from 'node:path';
import { NFTStorage, type Progress, type ResumeStore, type UploadStats } from '../client/index.ts';
import { readLocalStack } from '../local/stack-file.ts';
import { readSettings } from '../system/settings.ts';

export class ContentUsageError extends Error {
  override name = 'UsageError';
}

export interface ContentTarget {
  endpoint: URL;
  token: string;
}

/**
 * Where and as whom: --endpoint / PINSTACK_ENDPOINT, else the local stack started from this
 * folder; --token / PINSTACK_TOKEN (an API key is a secret, so never a setting).
 */
export async function contentTarget(values: {
  endpoint?: string | undefined;
  token?: string | undefined;
}): Promise<ContentTarget> {
  const given = values.endpoint ?? endpointSetting();
  let endpoint: URL;
  if (given) {
    try {
      endpoint = new URL(given.endsWith('/') ? given : `${given}/`);
    } catch {
      throw new ContentUsageError(`--endpoint ${JSON.stringify(given)} is not a URL`);
    }
  } else {
    const local = await readLocalStack(process.env.PINSTACK_DATA_DIR ?? '.pinstack');
    endpoint = new URL(`${local.apiUrl}/`);
  }
  const token = values.token ?? process.env.PINSTACK_TOKEN;
  if (!token) {
    throw new ContentUsageError(
      `this needs an API key for ${endpoint.origin}: --token <key> or PINSTACK_TOKEN` +
        ' (on the local stack: npx pinstack token create --user <id>)',
    );
  }
  return { endpoint, token };
}

/** PINSTACK_ENDPOINT, checked like every setting (only this one is read here). */
function endpointSetting(): string | undefined {
  try {
    return readSettings(['local'], (name) =>
      name === 'PINSTACK_ENDPOINT' ? process.env[name] : undefined,
    ).PINSTACK_ENDPOINT;
  } catch (error) {
    throw new ContentUsageError((error as Error).message);
  }
}

/** Interrupted staged uploads, by the client's resume key, in the user's cache folder. */
export function fileResumeStore(path = resumeFile()): ResumeStore {
  const load = async (): Promise<Record<string, string>> => {
    try {
      return JSON.parse(await readFile(path, 'utf8')) as Record<string, string>;
    } catch {
      return {};
    }
  };
  const save = async (ids: Record<string, string>) => {
    await mkdir(join(path, '..'), { recursive: true });
    const temporary = `${path}.${process.pid}.tmp`;
    await writeFile(temporary, `${JSON.stringify(ids, null, 2)}\n`);
    await rename(temporary, path);
  };
  return {
    async get(key) {
      return (await load())[key];
    },
    async set(key, id) {
      await save({ ...(await load()), [key]: id });
    },
    async delete(key) {
      const { [key]: _, ...rest } = await load();
      await save(rest);
    },
  };
}

function resumeFile(): string {
  const cache = process.env.XDG_CACHE_HOME || join(homedir(), '.cache');
  return join(cache, 'pinstack', 'staged-uploads.json');
}

/** Every file under a directory, with its path relative to `base` in `/` form. */
async function filesUnder(dir: string, base: string): Promise<{ path: string; file: string }[]> {
  const found: { path: string; file: string }[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const full = join(dir, entry.name);
    if (entry.isDirectory()) found.push(...(await filesUnder(full, base)));
    else if (entry.isFile())
      found.push({ path: relative(base, full).split(sep).join('/'), file: full });
  }
  return found.sort((a, b) => (a.path < b.path ? -1 : 1));
}

/** Files as their Blobs, named by the path they get in the upload (not read yet). */
async function namedFile(path: string, name: string): Promise<File> {
  const blob = await openAsBlob(path);
  return new File([blob], name);
}

/**
 * What `put` stores for its arguments: one file as itself; one directory as itself (its
 * files, the directory the root); several as a directory holding each by its name.
 */
export async function inputsOf(
  paths: string[],
): Promise<
  { kind: 'file'; file: Blob; name: string } | { kind: 'directory'; files: File[]; name: string }
> {
  if (paths.length === 0) throw new ContentUsageError('put needs a file or a directory');
  const stats = await Promise.all(
    paths.map(async (path) => {
      try {
        return await stat(path);
      } catch {
        throw new Error(`${path}: no such file or directory`);
      }
    }),
  );
  const [only] = paths;
  if (paths.length === 1 && only && stats[0]?.isFile()) {
    return { kind: 'file', file: await openAsBlob(only), name: basename(only) };
  }
  const entries: { path: string; file: string }[] = [];
  for (const [i, path] of paths.entries()) {
    if (stats[i]?.isDirectory()) {
      const base = paths.length === 1 ? path : join(path, '..');
      entries.push(...(await filesUnder(path, base)));
    } else entries.push({ path: basename(path), file: path });
  }
  if (entries.length === 0) throw new Error(`${paths.join(' ')}: no files to store`);
  return {
    kind: 'directory',
    files: await Promise.all(entries.map((entry) => namedFile(entry.file, entry.path))),
    name: paths.length === 1 && only ? basename(only) : 'files',
  };
}

/**
 * Progress to stderr: a bar redrawn in place on a terminal (bytes, rate, ETA), plain lines
 * (at most one per tenth) otherwise, JSON lines with --json.
 */
export function progressReporter(options: {
  json: boolean;
  tty: boolean;
  write?: (s: string) => void;
}) {
  const write = options.write ?? ((text: string) => process.stderr.write(text));
  const started = Date.now();
  let lastTenth = -1;
  let lastPhase = '';
  return {
    report(progress: Progress) {
      const seconds = Math.max(0.001, (Date.now() - started) / 1000);
      const rate = progress.bytes / seconds;
      const fraction = progress.total > 0 ? Math.min(1, progress.bytes / progress.total) : 1;
      const eta = rate > 0 ? (progress.total - progress.bytes) / rate : 0;
      if (options.json) {
        write(`${JSON.stringify({ progress: { ...progress, rate: Math.round(rate) } })}\n`);
        return;
      }
      const line =
        `${progress.phase.padEnd(10)} ${bar(fraction)} ${(fraction * 100).toFixed(0).padStart(3)}% ` +
        `${megabytes(progress.bytes)}/${megabytes(progress.total)} ${megabytes(rate)}/s ETA ${clock(eta)}`;
      if (options.tty) {
        write(`\r${line}`);
        if (progress.phase === 'stored' && progress.car === progress.cars - 1) write('\n');
        return;
      }
      const tenth = Math.floor(fraction * 10);
      if (tenth !== lastTenth || progress.phase !== lastPhase) write(`${line}\n`);
      lastTenth = tenth;
      lastPhase = progress.phase;
    },
  };
}

const bar = (fraction: number, width = 24) =>
  `[${'#'.repeat(Math.round(fraction * width)).padEnd(width, '-')}]`;
const megabytes = (bytes: number) => `${(bytes / 1e6).toFixed(1)} MB`;
const clock = (seconds: number) => {
  const s = Math.max(0, Math.round(seconds));
  return `${Math.floor(s / 60)}:${String(s % 60).padStart(2, '0')}`;
};

export interface PutOptions {
  json: boolean;
  name?: string | undefined;
  concurrency?: number | undefined;
  maxChunkSize?: number | undefined;
}

/** Stores files or a directory (`car` false) or a CAR file; answers what was stored. */
export async function put(
  target: ContentTarget,
  paths: string[],
  options: PutOptions & { car: boolean },
): Promise<{ cid: string; stats: UploadStats; bytes: number }> {
  const client = new NFTStorage({ token: target.token, endpoint: target.endpoint });
  const progress = progressReporter({ json: options.json, tty: Boolean(process.stderr.isTTY) });
  const stats: UploadStats = { partsSent: 0, partsSkipped: 0 };
  let bytes = 0;
  const store = {
    resume: fileResumeStore(),
    stats,
    onProgress: (p: Progress) => {
      bytes = p.total;
      progress.report(p);
    },
    ...(options.concurrency ? { concurrency: options.concurrency } : {}),
    ...(options.maxChunkSize ? { maxChunkSize: options.maxChunkSize } : {}),
  };
  if (options.car) {
    const [path] = paths;
    if (!path || paths.length > 1) throw new ContentUsageError('put-car takes one CAR file');
    const car = await openAsBlob(path).catch(() => {
      throw new Error(`${path}: no such file`);
    });
    const cid = await client.storeCar(car, { ...store, name: options.name ?? basename(path) });
    return { cid, stats, bytes };
  }
  const input = await inputsOf(paths);
  const name = options.name ?? input.name;
  const cid =
    input.kind === 'file'
      ? await client.storeBlob(input.file, { ...store, name })
      : await client.storeDirectory(input.files, { ...store, name });
  return { cid, stats, bytes };
}
