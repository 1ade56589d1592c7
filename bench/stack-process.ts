/**
 * The local stack in a child process, as `npm start` runs it, on free ports and a temp data
 * dir: benchmarks measure it from their own process, the way clients would reach it.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readLocalStack } from '../local/stack-file.ts';

export interface RunningStack {
  apiUrl: string;
  gatewayUrl: string;
  /**
   * What a process needs to reach the stack as its functions do: the stack's resource names and
   * endpoints, and credentials to sign with (the emulators take any).
   */
  env: Record<string, string>;
  stop(): Promise<void>;
}

/** `npm start`'s stack, or with `apiOnly` the one bench/api-stack.ts starts. */
export async function startStackProcess(
  options: { apiOnly?: boolean } = {},
): Promise<RunningStack> {
  const dataDir = await mkdtemp(join(tmpdir(), 'pinstack-bench-'));
  const entry = options.apiOnly ? 'bench/api-stack.ts' : 'local/start.ts';
  const child: ChildProcess = spawn(process.execPath, [entry], {
    cwd: join(import.meta.dirname, '..'),
    env: {
      ...process.env,
      PORT: '0',
      GATEWAY_PORT: '0',
      PINSTACK_DATA_DIR: dataDir,
      RATE_LIMIT_REQUESTS: '100000000',
      LOG_LEVEL: 'warn',
    },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  await new Promise<void>((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`local stack exited early (${code})`)));
    child.stdout?.on('data', (chunk: Buffer) => {
      if (chunk.toString().includes('ready')) resolve();
    });
  });
  const running = await readLocalStack(dataDir);
  if (!running.gatewayUrl) throw new Error('the local stack serves no gateway');
  const env = {
    ...running.env,
    AWS_ACCESS_KEY_ID: process.env.AWS_ACCESS_KEY_ID ?? 'local',
    AWS_SECRET_ACCESS_KEY: process.env.AWS_SECRET_ACCESS_KEY ?? 'local',
    LOG_LEVEL: 'warn',
  };
  return {
    apiUrl: running.apiUrl,
    gatewayUrl: running.gatewayUrl,
    env,
    async stop() {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      await exited;
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}
