/**
 * Kubo finds and fetches pinstack content with pinstack as its only router: a Kubo daemon cut
 * off from the public network (no bootstrap peers, loopback only) whose one delegated router is
 * the local stack's gateway origin (`/routing/v1`), with HTTP retrieval on. Kubo asks the router
 * who has a CID, is told pinstack's peer ID and its `https` address — a local TLS + HTTP/2 front
 * with a test certificate before the gateway, which Kubo is told to accept — and fetches every
 * block from the trustless gateway, verifying each. `ipfs cat` of a file and of a path inside a
 * directory, and `ipfs dag export` of a root, return exactly what was uploaded.
 */
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import * as dagPb from '@ipld/dag-pb';
import type { CID } from 'multiformats/cid';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeCar } from '../../lambdas/core/ipfs/car.ts';
import { packFile } from '../../lambdas/core/ipfs/unixfs.ts';
import { apiClient, createTestToken } from '../support/api-client.ts';
import { seededBytes } from '../support/ipfs-fixtures.ts';
import { type TestStack, withLocalStack } from '../support/local-stack.ts';
import { startTlsFront, type TlsFront } from '../support/tls-front.ts';
import { goToolchain, installKubo } from './tools.ts';
import { freePort, waitFor } from './waiting.ts';

const go = await goToolchain();
if ('skip' in go) console.warn(`[interop] Kubo routing checks skipped: ${go.skip}`);

const run = promisify(execFile);

describe.skipIf('skip' in go)('Kubo with pinstack as its only delegated router', () => {
  let work: string;
  let stack: TestStack;
  let front: TlsFront;
  let daemon: ChildProcess | undefined;
  let daemonLog = '';
  let token: string;
  let ipfs: (args: string[]) => Promise<Buffer>;

  beforeAll(async () => {
    const kubo = await installKubo();
    if (kubo.skip !== undefined) throw new Error(kubo.skip);
    work = await mkdtemp(join(tmpdir(), 'pinstack-kubo-routing-'));
    const env = { ...process.env, IPFS_PATH: join(work, 'repo') };
    ipfs = async (args) =>
      (
        await run(kubo.bins.ipfs, args, {
          env,
          encoding: 'buffer',
          maxBuffer: 64 * 1024 * 1024,
          timeout: 120_000,
        })
      ).stdout;

    // The front's port first: the provider names it (https) in its routing answers.
    const frontPort = await freePort();
    stack = await withLocalStack({
      env: {
        AWS_REGION: process.env.AWS_REGION,
        GATEWAY_PUBLIC_URL: `https://127.0.0.1:${frontPort}`,
      },
    });
    front = await startTlsFront(stack.gatewayUrl as string, frontPort);
    token = (await createTestToken(stack, 'kubo-routing')).token;

    // `test` profile: no bootstrap peers, loopback addresses only — nothing public is reached.
    await ipfs(['init', '--profile=test', '--empty-repo']);
    const config = (key: string, value: unknown) =>
      ipfs(['config', '--json', key, JSON.stringify(value)]);
    await config('Routing.Type', 'delegated');
    await config('Routing.DelegatedRouters', [stack.gatewayUrl]);
    await config('HTTPRetrieval.Enabled', true);
    // The front's certificate is the test's own.
    await config('HTTPRetrieval.TLSInsecureSkipVerify', true);
    await config('Ipns.DelegatedPublishers', []);
    await config('Provide.Enabled', false);
    daemon = spawn(kubo.bins.ipfs, ['daemon'], { env });
    daemon.stdout?.on('data', (chunk) => {
      daemonLog += chunk;
    });
    daemon.stderr?.on('data', (chunk) => {
      daemonLog += chunk;
    });
    await waitFor(
      () => `Kubo's daemon (log: ${daemonLog.slice(-2000)})`,
      async () => (daemonLog.includes('Daemon is ready') ? true : undefined),
      120_000,
    );
  }, 600_000);

  afterAll(async () => {
    daemon?.kill('SIGTERM');
    if (daemon) await new Promise((resolve) => daemon?.once('exit', resolve));
    await front?.stop();
    await stack?.stop();
    if (work) await rm(work, { recursive: true, force: true });
  });

  async function upload(body: RequestInit['body'], headers: Record<string, string> = {}) {
    const response = await apiClient(stack).post('/upload', { token, body, headers });
    expect(response.status, response.text).toBe(200);
    await stack.idle();
    return response.body.value.cid as string;
  }

  it('`ipfs cat` of an uploaded multi-block file returns its bytes', async () => {
    const bytes = seededBytes(3 * 262_144 + 1234, 71);
    const cid = await upload(new Blob([bytes]), { 'content-type': 'application/octet-stream' });
    const read = await ipfs(['cat', cid]);
    expect(Buffer.compare(read, Buffer.from(bytes))).toBe(0);
    // Kubo's only source: the blocks came over HTTP/2 from the gateway, through the front.
    expect(front.requests).toContainEqual(
      expect.stringMatching(new RegExp(`^GET /ipfs/${cid}\\b.* HTTP/2.0$`)),
    );
  });

  it('`ipfs cat` of a path inside an uploaded directory returns that file', async () => {
    const form = new FormData();
    const inner = seededBytes(300_000, 72);
    form.append('file', new Blob([inner]), 'album/art/cover.bin');
    form.append('file', new Blob([new TextEncoder().encode('notes\n')]), 'album/notes.txt');
    const cid = await upload(form);
    const read = await ipfs(['cat', `/ipfs/${cid}/album/art/cover.bin`]);
    expect(Buffer.compare(read, Buffer.from(inner))).toBe(0);
    expect((await ipfs(['cat', `/ipfs/${cid}/album/notes.txt`])).toString()).toBe('notes\n');
  });

  it('`ipfs dag export` of a root is byte for byte the CAR that was uploaded', async () => {
    // A CAR in the order Kubo exports: the root, then its links depth-first.
    const packed = await packFile(seededBytes(4 * 262_144 + 99, 73));
    if (!packed.ok) throw new Error(packed.error.message);
    const byCid = new Map(packed.value.blocks.map((b) => [b.cid.toString(), b]));
    const ordered: typeof packed.value.blocks = [];
    const visit = (cid: CID) => {
      const block = byCid.get(cid.toString());
      if (!block || ordered.includes(block)) return;
      ordered.push(block);
      if (cid.code === dagPb.code)
        for (const link of dagPb.decode(block.bytes).Links) visit(link.Hash);
    };
    visit(packed.value.root);
    expect(ordered).toHaveLength(packed.value.blocks.length);
    const car = await encodeCar(packed.value.root, ordered);
    const cid = await upload(new Blob([car]), { 'content-type': 'application/car' });
    expect(cid).toBe(packed.value.root.toString());
    const exported = await ipfs(['dag', 'export', cid]);
    expect(Buffer.compare(exported, Buffer.from(car))).toBe(0);
  });
});
