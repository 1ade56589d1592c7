/**
 * The "Done when" path of the foundation, as a person runs it: `npm start` (local/start.ts) in
 * one process, the admin CLI in others, plain HTTP against the printed URL.
 */
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const run = promisify(execFile);
const ROOT = join(import.meta.dirname, '..', '..');

let dataDir: string;
let server: ChildProcess;
let apiUrl: string;
let exited: Promise<number | null>;

function cli(args: string[]) {
  return run(process.execPath, ['bin/pinstack-cli.js', ...args], {
    cwd: ROOT,
    env: { ...process.env, PINSTACK_DATA_DIR: dataDir, LOG_LEVEL: 'silent' },
  });
}

async function cliFailure(args: string[]) {
  try {
    await cli(args);
  } catch (error) {
    return error as { code: number; stderr: string };
  }
  throw new Error(`pinstack ${args.join(' ')} succeeded`);
}

beforeAll(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'pinstack-cli-'));
  server = spawn(process.execPath, ['local/start.ts'], {
    cwd: ROOT,
    env: {
      ...process.env,
      PORT: '0',
      GATEWAY_PORT: '0',
      PINSTACK_DATA_DIR: dataDir,
      LOG_LEVEL: 'silent',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  exited = new Promise((resolve) => server.once('exit', (code) => resolve(code)));
  apiUrl = await new Promise<string>((resolve, reject) => {
    let output = '';
    server.stdout?.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      const ready = /ready: (http:\/\/\S+)/.exec(output);
      if (ready?.[1]) resolve(ready[1]);
    });
    server.once('exit', (code) => reject(new Error(`npm start exited with ${code}: ${output}`)));
  });
});

afterAll(async () => {
  if (server.exitCode === null) server.kill('SIGKILL');
  await rm(dataDir, { recursive: true, force: true });
});

describe('admin CLI against the local stack', () => {
  let tokenId: string;
  let token: string;

  it('creates a user and a token, printing the token alone on the last line', async () => {
    const { stdout } = await cli(['token', 'create', '--user', 'alice', '--name', 'laptop']);
    const lines = stdout.trim().split('\n');
    token = lines.at(-1) ?? '';
    expect(token).toMatch(/^pst_[a-z2-7]{16}_[A-Za-z0-9_-]{43}$/);
    tokenId = /^pst_([a-z2-7]{16})_/.exec(token)?.[1] ?? '';
    const response = await fetch(`${apiUrl}/`, { headers: { authorization: `Bearer ${token}` } });
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ ok: true, value: [] });
  });

  it('lists the user tokens and revokes one, which stops working at once', async () => {
    const listed = await cli(['token', 'list', '--user', 'alice']);
    expect(listed.stdout).toContain(tokenId);
    expect(listed.stdout).toContain('laptop');
    expect(listed.stdout).toContain('active');
    expect(listed.stdout).not.toContain(token.slice('pst_'.length + 17));
    await cli(['token', 'revoke', tokenId]);
    expect((await cli(['token', 'list', '--user', 'alice'])).stdout).toContain('revoked');
    const response = await fetch(`${apiUrl}/`, { headers: { authorization: `Bearer ${token}` } });
    expect(response.status).toBe(401);
    const body = (await response.json()) as { error: { code: string } };
    expect(body.error.code).toBe('ERROR_TOKEN_NOT_FOUND');
  });

  it('rejects bad usage with exit code 2 and unknown tokens with exit code 1', async () => {
    const noUser = await cliFailure(['token', 'create']);
    expect(noUser.code).toBe(2);
    expect(noUser.stderr).toMatch(/--user/);
    const badUser = await cliFailure(['token', 'create', '--user', '../etc']);
    expect(badUser.code).toBe(1);
    expect(badUser.stderr).toMatch(/Invalid user id/);
    const unknown = await cliFailure(['token', 'revoke', 'aaaaaaaaaaaaaaaa']);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toMatch(/No token/);
  });

  it('prints its version, its commands, and the help of every command', async () => {
    const pkg = JSON.parse(await readFile(join(ROOT, 'package.json'), 'utf8'));
    expect((await cli(['--version'])).stdout.trim()).toBe(pkg.version);
    const overview = (await cli(['help'])).stdout;
    for (const command of ['token create', 'token list', 'token revoke', 'deals add', 'run']) {
      expect(overview).toContain(command);
      const help = (await cli([...command.split(' '), '--help'])).stdout;
      expect(help, command).toMatch(new RegExp(`^pinstack ${command}`));
      expect((await cli(['help', ...command.split(' ')])).stdout).toBe(help);
    }
    expect((await cli(['--help'])).stdout).toBe(overview);
    const bad = await cliFailure(['help', 'nope']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/unknown command "nope"/);
  });

  it('runs a scheduled job once, and names the valid jobs for an unknown one', async () => {
    const { stdout } = await cli(['run', 'pin-status']);
    expect(stdout).toMatch(/pin-status: ok/);
    const unknown = await cliFailure(['run', 'nope']);
    expect(unknown.stderr).toMatch(/pin-status/);
    expect(unknown.stderr).toMatch(/scraper/);
  });

  it('records a Filecoin deal once with deals add, shown on /check, and makes admin tokens', async () => {
    const admin = (await cli(['token', 'create', '--user', 'dealer', '--admin'])).stdout
      .trim()
      .split('\n')
      .at(-1) as string;
    const uploaded = await fetch(`${apiUrl}/upload`, {
      method: 'POST',
      headers: { authorization: `Bearer ${admin}`, 'content-type': 'text/plain' },
      body: 'content with deals',
    });
    const { cid } = ((await uploaded.json()) as { value: { cid: string } }).value;
    const deal = ['--deal-id', '7', '--piece', 'baga6ea4seaqcli', '--provider', 'f07', '--status'];
    const added = await cli(['deals', 'add', '--cid', cid, ...deal, 'active']);
    expect(added.stdout).toMatch(/Recorded deal 7 on /);
    expect((await cli(['deals', 'add', '--cid', cid, ...deal, 'active'])).stdout).toMatch(
      /Deal 7 was already recorded as it is/,
    );
    const bad = await cliFailure(['deals', 'add', '--cid', cid, ...deal, 'sealed']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/status/);
    // The admin token reports deals over HTTP too.
    const posted = await fetch(`${apiUrl}/deals`, {
      method: 'POST',
      headers: { authorization: `Bearer ${admin}`, 'content-type': 'application/json' },
      body: JSON.stringify({
        deals: [
          { cid, dealId: 8, pieceCid: 'baga6ea4seaqhttp', provider: 'f08', status: 'queued' },
        ],
      }),
    });
    expect(await posted.json()).toEqual({ ok: true, value: { recorded: 1, unchanged: 0 } });
    const check = (await (await fetch(`${apiUrl}/check/${cid}`)).json()) as {
      value: { deals: { chainDealID: number; status: string; miner: string }[] };
    };
    expect(check.value.deals.map((d) => [d.chainDealID, d.status, d.miner])).toEqual([
      [7, 'active', 'f07'],
      [8, 'queued', 'f08'],
    ]);
  });

  it('stops cleanly on SIGTERM, keeping acknowledged writes for the next start', async () => {
    server.kill('SIGTERM');
    expect(await exited).toBe(0);
    await expect(stat(join(dataDir, 'stack.json'))).rejects.toThrow(/ENOENT/);
    const offline = await cliFailure(['token', 'list', '--user', 'alice']);
    expect(offline.stderr).toMatch(/no local stack running/);

    // Restart on the same data dir: the user and the revoked token are still there.
    const again = spawn(process.execPath, ['local/start.ts'], {
      cwd: ROOT,
      env: {
        ...process.env,
        PORT: '0',
        GATEWAY_PORT: '0',
        PINSTACK_DATA_DIR: dataDir,
        LOG_LEVEL: 'silent',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    try {
      await new Promise<void>((resolve, reject) => {
        again.stdout?.on('data', (chunk: Buffer) => {
          if (chunk.toString().includes('ready')) resolve();
        });
        again.once('exit', (code) => reject(new Error(`restart exited with ${code}`)));
      });
      const listed = await cli(['token', 'list', '--user', 'alice']);
      expect(listed.stdout).toContain(tokenId);
      expect(listed.stdout).toContain('revoked');
    } finally {
      const stopped = new Promise((resolve) => again.once('exit', resolve));
      again.kill('SIGTERM');
      await stopped;
    }
  });
});
