/**
 * Staged ingest of large CARs through the local stack (issue 8): the client stages a CAR of
 * 256 MiB and one of 1 GiB in parts, and the stack's ingest — the real handler, in a process
 * of its own so its memory can be measured — streams each from the S3 emulator, verifies every
 * block, and copies it into the carpark.
 * - Throughput: the CAR's bytes over the ingest's duration, next to a plain S3 GET of the same
 *   object from the same emulator (and the same process) with SHA-256 over it. Target 0.7x.
 * - Peak RSS of the ingest process at 1 GiB: at most 256 MB, and flat: within 10% of 256 MiB.
 * - For reading the throughput, two parts of the ingest timed alone on the same object: its
 *   stream through the CAR verifier (what the ingest does with the bytes), and the emulator's
 *   CopyObject into the carpark. On S3 the copy is server-side; the emulator reads, hashes and
 *   writes the whole object in the stack's process, a second pass over the bytes that the
 *   ingest waits for.
 */
import { type ChildProcess, fork } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { openAsBlob } from 'node:fs';
import { mkdtemp, open, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { NFTStorage } from '../client/index.ts';
import { fromCid } from '../lambdas/codecs/cid.ts';
import { createToken } from '../lambdas/core/tokens.ts';
import { createClients } from '../lambdas/shared/clients.ts';
import { loadConfig } from '../lambdas/shared/config.ts';
import { contentPorts, identityPorts, systemClock } from '../lambdas/shared/wiring.ts';
import { type LambdaHandler, moduleHandlerLoader, silentLogger } from '../local/lambda.ts';
import { type LocalStack, startLocalStack } from '../local/stack.ts';
import { type BenchModule, type BenchRow, latencyRow, throughputRow } from './harness.ts';

const MiB = 1024 * 1024;
const SIZES = [256 * MiB, 1024 * MiB];
const RSS_BUDGET = 256e6;

interface Invocation {
  ms: number;
  rss: number;
}

interface Result {
  size: number;
  car: number;
  ingest: Invocation;
  baselineMs: number;
  verifyMs: number;
  copyMs: number;
}

/** The ingest handler, run in a child process started afresh for each CAR. */
class IngestProcess {
  readonly #child: ChildProcess;
  readonly #waiting = new Map<number, (reply: Record<string, unknown>) => void>();
  #next = 0;
  last: Invocation | undefined;

  constructor(env: Record<string, string>) {
    this.#child = fork(join(import.meta.dirname, 'ingest-child.ts'), [], {
      stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
    });
    this.#child.on('message', (reply: Record<string, unknown>) => {
      if (reply.ready) this.#waiting.get(-1)?.(reply);
      else this.#waiting.get(reply.id as number)?.(reply);
    });
    this.ready = new Promise((resolve) => this.#waiting.set(-1, () => resolve()));
    this.#child.send({ env });
  }

  readonly ready: Promise<void>;

  #ask(message: Record<string, unknown>) {
    const id = this.#next++;
    return new Promise<Record<string, unknown>>((resolve) => {
      this.#waiting.set(id, resolve);
      this.#child.send({ ...message, id });
    });
  }

  async invoke(event: unknown): Promise<unknown> {
    const reply = await this.#ask({ invoke: event });
    if (!reply.ok) throw new Error(String(reply.error));
    this.last = { ms: reply.ms as number, rss: reply.rss as number };
    return reply.value;
  }

  async baselineMs(bucket: string, key: string): Promise<number> {
    return (await this.#ask({ baseline: { bucket, key } })).ms as number;
  }

  async verifyMs(bucket: string, key: string): Promise<number> {
    const reply = await this.#ask({ verify: { bucket, key } });
    if (!reply.ok) throw new Error('the stored CAR did not verify');
    return reply.ms as number;
  }

  async copyMs(bucket: string, key: string): Promise<number> {
    return (await this.#ask({ copy: { bucket, key } })).ms as number;
  }

  stop() {
    this.#child.kill();
  }
}

async function randomFile(path: string, size: number): Promise<void> {
  const file = await open(path, 'w');
  try {
    for (let written = 0; written < size; written += 16 * MiB) {
      await file.write(randomBytes(Math.min(16 * MiB, size - written)));
    }
  } finally {
    await file.close();
  }
}

export const stagedIngestBench: BenchModule = {
  name: 'staged-ingest',
  async run() {
    const dir = await mkdtemp(join(tmpdir(), 'pinstack-bench-ingest-'));
    let ingest: IngestProcess | undefined;
    const modules = moduleHandlerLoader();
    let stack: LocalStack | undefined;
    try {
      stack = await startLocalStack({
        dataDir: join(dir, 'data'),
        port: 0,
        // As `npm start` keeps it: objects as files.
        persist: true,
        schedules: false,
        env: { AWS_REGION: 'us-east-1', RATE_LIMIT_REQUESTS: '100000000', LOG_LEVEL: 'warn' },
        log: silentLogger,
        loadHandler: (fn) =>
          fn.name === 'ingest'
            ? (((event: unknown) => (ingest as IngestProcess).invoke(event)) as LambdaHandler)
            : modules(fn),
      });
      const config = loadConfig({ ...process.env, ...stack.env });
      const clients = createClients(config);
      const { token } = await createToken(
        { userId: 'bench' },
        { ...identityPorts(config, clients), clock: systemClock },
      );
      const client = new NFTStorage({ token, endpoint: new URL(`${stack.apiUrl}/`) });
      const results: Result[] = [];
      for (const size of SIZES) {
        ingest = new IngestProcess(stack.env);
        await ingest.ready;
        const path = join(dir, `content-${size}.bin`);
        await randomFile(path, size);
        const cid = await client.storeBlob(await openAsBlob(path));
        if (!ingest.last) throw new Error('the ingest never ran');
        const [car] = await contentPorts(config, clients).contents.listCars(
          fromCid((await NFTStorage.encodeBlob(await openAsBlob(path))).cid).v1,
        );
        if (!car || !cid) throw new Error('no CAR stored');
        const baselineMs = await ingest.baselineMs(stack.env.CARPARK_BUCKET, car.key);
        const verifyMs = await ingest.verifyMs(stack.env.CARPARK_BUCKET, car.key);
        const copyMs = await ingest.copyMs(stack.env.CARPARK_BUCKET, car.key);
        results.push({ size, car: car.size, ingest: ingest.last, baselineMs, verifyMs, copyMs });
        ingest.stop();
        ingest = undefined;
        await rm(path, { force: true });
      }
      clients.destroy();
      return rowsOf(results);
    } finally {
      ingest?.stop();
      await stack?.stop();
      await rm(dir, { recursive: true, force: true });
    }
  },
};

function rowsOf(results: Result[]) {
  const rows: BenchRow[] = [];
  const label = (size: number) =>
    size >= 1024 * MiB ? `${size / 1024 / MiB} GiB` : `${size / MiB} MiB`;
  for (const { size, car, ingest, baselineMs, verifyMs, copyMs } of results) {
    const baseline = {
      name: 'S3 GET of the same object + SHA-256, same emulator',
      value: car / 1e6 / (baselineMs / 1000),
    };
    rows.push(
      throughputRow({
        name: `staged ingest (stream, verify, copy), ${label(size)} CAR`,
        value: car / 1e6 / (ingest.ms / 1000),
        unit: 'MB/s',
        baseline,
        ...(size === SIZES.at(-1) ? { target: 0.7 } : {}),
      }),
      throughputRow({
        name: `  its stream through the CAR verifier alone, ${label(size)}`,
        value: car / 1e6 / (verifyMs / 1000),
        unit: 'MB/s',
        baseline,
      }),
      latencyRow({
        name: `  the emulator's CopyObject of it alone (server-side on S3), ${label(size)}`,
        value: copyMs / 1000,
        unit: 's',
        baseline: { name: 'the S3 GET + SHA-256 above', value: baselineMs / 1000 },
      }),
    );
  }
  const [small, large] = results;
  if (small && large) {
    rows.push(
      latencyRow({
        name: `ingest process peak RSS, ${label(large.size)} CAR`,
        value: large.ingest.rss / 1e6,
        unit: 'MB',
        baseline: { name: 'the 256 MB budget', value: RSS_BUDGET / 1e6 },
        target: 1,
      }),
      latencyRow({
        name: `ingest peak RSS, ${label(large.size)} next to ${label(small.size)} (flat within 10%)`,
        value: large.ingest.rss / 1e6,
        unit: 'MB',
        baseline: { name: `peak RSS at ${label(small.size)}`, value: small.ingest.rss / 1e6 },
        target: 1 / 1.1,
      }),
    );
  }
  return rows;
}
