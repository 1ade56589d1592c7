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
  env: Record<string, string>;
  stop(): Promise<void>;
}

export async function startStackProcess(): Promise<RunningStack> {
  const dataDir = await mkdtemp(join(tmpdir(), 'pinstack-bench-'));
  const child: ChildProcess = spawn(process.execPath, ['local/start.ts'], {
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
  return {
    apiUrl: running.apiUrl,
    gatewayUrl: running.gatewayUrl,
    env: { ...running.env },
    async stop() {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      await exited;
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}
