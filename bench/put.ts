/**
 * `pinstack put` of a 1 GiB file end to end (issue 8): the CLI in a process of its own, against
 * the local stack in another (as `npm start` runs it), from the command's start until it prints
 * the CID — packing, parts sent four at a time, and the server's verification and copy. Next to
 * a plain S3 multipart upload of the same bytes to the same emulator, with the same part size and
 * concurrency, also in a process of its own. Target: at most 1.5x its time.
 */
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, open, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { createToken } from '../lambdas/core/tokens.ts';
import { createClients } from '../lambdas/shared/clients.ts';
import { loadConfig } from '../lambdas/shared/config.ts';
import { identityPorts, systemClock } from '../lambdas/shared/wiring.ts';
import { EMULATOR_PART_BYTES } from '../local/emulators.ts';
import { type BenchModule, latencyRow } from './harness.ts';
import { startStackProcess } from './stack-process.ts';

const run = promisify(execFile);
const ROOT = join(import.meta.dirname, '..');
const SIZE = 1024 * 1024 * 1024;
const CONCURRENCY = 4;

async function randomFile(path: string, size: number): Promise<void> {
  const file = await open(path, 'w');
  try {
    for (let written = 0; written < size; written += 16 << 20) {
      await file.write(randomBytes(Math.min(16 << 20, size - written)));
    }
  } finally {
    await file.close();
  }
}

async function timed(args: string[], env: NodeJS.ProcessEnv = process.env) {
  const started = performance.now();
  const { stdout } = await run(process.execPath, args, { cwd: ROOT, env, maxBuffer: 64 << 20 });
  return { seconds: (performance.now() - started) / 1000, stdout };
}

export const putBench: BenchModule = {
  name: 'put',
  async run() {
    // The emulators take any credentials; this process and its children need some to sign.
    process.env.AWS_ACCESS_KEY_ID ??= 'local';
    process.env.AWS_SECRET_ACCESS_KEY ??= 'local';
    const dir = await mkdtemp(join(tmpdir(), 'pinstack-bench-put-'));
    const stack = await startStackProcess();
    try {
      const config = loadConfig({ ...process.env, ...stack.env });
      const clients = createClients(config);
      const { token } = await createToken(
        { userId: 'bench' },
        { ...identityPorts(config, clients), clock: systemClock },
      );
      clients.destroy();
      const path = join(dir, 'content.bin');
      await randomFile(path, SIZE);
      const baseline = await timed([
        'bench/multipart-put-child.ts',
        path,
        stack.env.STAGING_BUCKET ?? '',
        'bench/baseline.bin',
        stack.env.PINSTACK_S3_ENDPOINT ?? '',
        String(EMULATOR_PART_BYTES),
        String(CONCURRENCY),
      ]);
      const put = await timed(
        ['bin/pinstack-cli.js', 'put', path, '--json', '--concurrency', String(CONCURRENCY)],
        {
          ...process.env,
          PINSTACK_ENDPOINT: stack.apiUrl,
          PINSTACK_TOKEN: token,
          XDG_CACHE_HOME: join(dir, 'cache'),
        },
      );
      const { cid } = JSON.parse(put.stdout.trim().split('\n').at(-1) ?? '{}');
      if (!cid) throw new Error(`pinstack put printed no CID: ${put.stdout.slice(0, 200)}`);
      return [
        latencyRow({
          name: 'pinstack put of a 1 GiB file, end to end (until stored)',
          value: put.seconds,
          unit: 's',
          baseline: {
            name: 'plain S3 multipart PUT of the same bytes, same emulator',
            value: baseline.seconds,
          },
          target: 1 / 1.5,
        }),
      ];
    } finally {
      await stack.stop();
      await rm(dir, { recursive: true, force: true });
    }
  },
};
