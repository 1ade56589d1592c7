/**
 * The content commands as a person runs them: `npm start` in one process, `pinstack put` and
 * friends in others. A 64 MiB file goes up in a multipart staged upload and ends pinned with
 * the CID ipfs-unixfs-importer computes and the whole DAG's size; a `put` killed midway resumes
 * when run again, sending only the parts S3 does not have.
 */
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeCar } from '../../lambdas/core/ipfs/car.ts';
import { packFile } from '../../lambdas/core/ipfs/unixfs.ts';
import { seededBytes } from '../support/ipfs-fixtures.ts';

const run = promisify(execFile);
const ROOT = join(import.meta.dirname, '..', '..');
const MiB = 1024 * 1024;

let dir: string;
let server: ChildProcess;
let token: string;

const env = () => ({
  ...process.env,
  PINSTACK_DATA_DIR: join(dir, 'data'),
  XDG_CACHE_HOME: join(dir, 'cache'),
  LOG_LEVEL: 'silent',
  RATE_LIMIT_REQUESTS: '100000',
});

function cli(args: string[], extra: Record<string, string> = {}) {
  return run(process.execPath, ['bin/pinstack-cli.js', ...args], {
    cwd: ROOT,
    env: { ...env(), ...extra },
    maxBuffer: 16 * MiB,
  });
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'pinstack-cli-put-'));
  server = spawn(process.execPath, ['local/start.ts'], {
    cwd: ROOT,
    env: { ...env(), PORT: '0', GATEWAY_PORT: '0' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  await new Promise<void>((resolve, reject) => {
    let output = '';
    server.stdout?.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      if (/ready: http/.test(output)) resolve();
    });
    server.once('exit', (code) => reject(new Error(`npm start exited with ${code}: ${output}`)));
  });
  const { stdout } = await cli(['token', 'create', '--user', 'putter']);
  token = stdout.trim().split('\n').at(-1) ?? '';
}, 120_000);

afterAll(async () => {
  if (server && server.exitCode === null) {
    server.kill('SIGTERM');
    await new Promise((resolve) => server.once('exit', resolve));
  }
  await rm(dir, { recursive: true, force: true });
});

describe('pinstack put', () => {
  it('stores a 64 MiB file in parts: pinned, with the importer’s CID and the DAG’s size', async () => {
    const content = seededBytes(64 * MiB, 1);
    const path = join(dir, 'video.bin');
    await writeFile(path, content);
    const { stdout, stderr } = await cli(['put', path], { PINSTACK_TOKEN: token });
    const cid = stdout.trim().split('\n').at(-1);
    const packed = await packFile(content);
    if (!packed.ok) throw new Error(packed.error.message);
    expect(cid).toBe(packed.value.root.toString());
    // Plain progress lines when not on a terminal.
    expect(stderr).toMatch(/uploading +\[#*-*\] +\d+% .* MB\/s ETA/);
    const status = await cli(['status', cid ?? '', '--json'], { PINSTACK_TOKEN: token });
    const dagSize = packed.value.blocks.reduce((sum, block) => sum + block.bytes.byteLength, 0);
    expect(JSON.parse(status.stdout)).toMatchObject({
      cid,
      size: dagSize,
      pin: { status: 'pinned' },
    });
    const check = await cli(['check', cid ?? '']);
    expect(check.stdout.trim()).toBe(`${cid}\tpinned`);
    const listed = await cli(['ls', '--json', '--token', token]);
    expect(JSON.parse(listed.stdout).map((u: { cid: string }) => u.cid)).toContain(cid);
  });

  it('resumes a put killed midway, sending only the parts S3 does not have', async () => {
    const path = join(dir, 'archive.bin');
    await writeFile(path, seededBytes(46 * MiB, 2));
    const killed = spawn(
      process.execPath,
      ['bin/pinstack-cli.js', 'put', path, '--concurrency', '1'],
      { cwd: ROOT, env: { ...env(), PINSTACK_TOKEN: token }, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    await new Promise<void>((resolve, reject) => {
      let progress = '';
      killed.stderr?.on('data', (chunk: Buffer) => {
        progress += chunk.toString();
        // At least two of the six 8 MiB parts are in S3.
        if (/uploading .* (3\d|[4-9]\d)% /.test(progress)) {
          killed.kill('SIGKILL');
          resolve();
        }
      });
      killed.once('exit', () => reject(new Error(`put ended before it was killed: ${progress}`)));
    });
    const { stdout } = await cli(['put', path, '--json'], { PINSTACK_TOKEN: token });
    const result = JSON.parse(stdout.trim().split('\n').at(-1) ?? '{}');
    expect(result.partsSkipped).toBeGreaterThanOrEqual(2);
    expect(result.partsSkipped + result.partsSent).toBe(6);
    const status = await cli(['status', result.cid, '--json'], { PINSTACK_TOKEN: token });
    expect(JSON.parse(status.stdout).pin.status).toBe('pinned');
  });

  it('says which token it needs, and answers errors in one line with exit codes', async () => {
    const missing = await cli(['put', join(dir, 'video.bin')]).catch((error) => error);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/needs an API key for http:\/\/127\.0\.0\.1:\d+: --token/);
    const absent = await cli(['put', join(dir, 'nope.bin'), '--token', token]).catch((e) => e);
    expect(absent.code).toBe(1);
    expect(absent.stderr.trim().split('\n')).toEqual([
      `pinstack: ${join(dir, 'nope.bin')}: no such file or directory`,
    ]);
    const bad = await cli(['status', 'not-a-cid', '--token', token]).catch((e) => e);
    expect(bad.code).toBe(1);
    expect(bad.stderr.trim()).toBe('pinstack: Invalid CID: not-a-cid');
  });

  it('stores a directory, removes it, and stores a CAR file', async () => {
    const folder = join(dir, 'collection');
    await rm(folder, { recursive: true, force: true });
    await import('node:fs/promises').then((fs) =>
      fs.mkdir(join(folder, 'meta'), { recursive: true }),
    );
    await writeFile(join(folder, 'meta', '1.json'), '{"name":"one"}');
    await writeFile(join(folder, 'image.png'), seededBytes(1000, 3));
    const { stdout } = await cli(['put', folder, '--json'], { PINSTACK_TOKEN: token });
    const { cid } = JSON.parse(stdout);
    expect(cid).toMatch(/^bafy/);
    const removed = await cli(['rm', cid], { PINSTACK_TOKEN: token });
    expect(removed.stdout.trim()).toBe(`Deleted ${cid}.`);
    const packed = await packFile(seededBytes(3 * MiB, 4));
    if (!packed.ok) throw new Error(packed.error.message);
    const carPath = join(dir, 'made.car');
    await writeFile(carPath, await encodeCar(packed.value.root, packed.value.blocks));
    const car = await cli(['put-car', carPath], { PINSTACK_TOKEN: token });
    expect(car.stdout.trim().split('\n').at(-1)).toBe(packed.value.root.toString());
  });
});
