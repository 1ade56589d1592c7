/**
 * The IPNI chain as a real indexer takes it: storetheindex (the code behind cid.contact) runs
 * locally, pinstack announces each new head to its ingest API (`PUT /announce`), the indexer
 * fetches the chain over HTTP from the gateway origin (`/ipni/v1/ad/head`, ads, entry chunks),
 * verifies every ad's signature, and its find API names pinstack's peer ID as a provider of an
 * uploaded block, with the gateway's address and the HTTP gateway metadata. After the upload is
 * deleted and its release comes due (the unpin), the removal ad makes the indexer forget it.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { base58btc } from 'multiformats/bases/base58';
import { CID } from 'multiformats/cid';
import { sha256 } from 'multiformats/hashes/sha2';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runJob } from '../../cli/run.ts';
import { apiClient, createTestToken } from '../support/api-client.ts';
import { type TestStack, withLocalStack } from '../support/local-stack.ts';
import { goToolchain, installStoreTheIndex } from './tools.ts';
import { freePort, waitFor } from './waiting.ts';

const go = await goToolchain();
if ('skip' in go) console.warn(`[interop] storetheindex checks skipped: ${go.skip}`);

interface FindResponse {
  MultihashResults?: {
    Multihash: string;
    ProviderResults: {
      ContextID: string;
      Metadata: string;
      Provider: { ID: string; Addrs: string[] };
    }[];
  }[];
}

describe.skipIf('skip' in go)('storetheindex ingests the ad chain and finds pinstack', () => {
  let work: string;
  let daemon: ChildProcess | undefined;
  let daemonLog = '';
  let finder: string;
  let stack: TestStack;
  let token: string;

  beforeAll(async () => {
    const sti = await installStoreTheIndex();
    if (sti.skip !== undefined) throw new Error(sti.skip);
    work = await mkdtemp(join(tmpdir(), 'pinstack-sti-'));
    const env = { ...process.env, STORETHEINDEX_PATH: join(work, 'indexer') };
    const [admin, find, ingest, p2p, reverse] = [
      await freePort(),
      await freePort(),
      await freePort(),
      await freePort(),
      await freePort(),
    ];
    const addr = (port: number) => `/ip4/127.0.0.1/tcp/${port}`;
    const init = spawn(
      sti.bins.storetheindex,
      [
        'init',
        '--store=memory',
        '--no-bootstrap',
        `--listen-admin=${addr(admin)}`,
        `--listen-finder=${addr(find)}`,
        `--listen-ingest=${addr(ingest)}`,
        // Its ingester runs only with a libp2p host (it then syncs over HTTP all the same).
        `--listen-p2p=${addr(p2p)}`,
      ],
      { env },
    );
    await new Promise((resolve, reject) => {
      init.on('exit', (code) => (code === 0 ? resolve(code) : reject(new Error(`init ${code}`))));
    });
    // Local addresses are this test's whole network; the reverse index off the shared 3004.
    const configPath = join(work, 'indexer', 'config');
    const config = JSON.parse(await readFile(configPath, 'utf8'));
    config.Discovery.FilterIPs = false;
    config.Addresses.ReverseIndexer = `127.0.0.1:${reverse}`;
    await writeFile(configPath, JSON.stringify(config, null, 2));
    daemon = spawn(sti.bins.storetheindex, ['daemon', '--watch-config=false'], { env });
    daemon.stdout?.on('data', (chunk) => {
      daemonLog += chunk;
    });
    daemon.stderr?.on('data', (chunk) => {
      daemonLog += chunk;
    });
    finder = `http://127.0.0.1:${find}`;
    await waitFor('the indexer to listen', async () =>
      (await fetch(`${finder}/health`)).ok ? true : undefined,
    );

    stack = await withLocalStack({
      env: {
        AWS_REGION: process.env.AWS_REGION,
        IPNI_ANNOUNCE_URLS: `http://127.0.0.1:${ingest}`,
        UNPIN_GRACE_DAYS: '0',
      },
    });
    token = (await createTestToken(stack, 'sti-user')).token;
  }, 600_000);

  afterAll(async () => {
    await stack?.stop();
    daemon?.kill('SIGTERM');
    if (work) await rm(work, { recursive: true, force: true });
  });

  const find = async (cid: CID) => {
    const response = await fetch(
      `${finder}/multihash/${base58btc.encode(cid.multihash.bytes).slice(1)}`,
    );
    if (response.status === 404) return { status: 404 } as const;
    expect(response.status).toBe(200);
    return { status: 200, body: (await response.json()) as FindResponse } as const;
  };

  it('finds pinstack as the provider of an uploaded block, and forgets it after delete + unpin', async () => {
    const inner = new TextEncoder().encode(`storetheindex finds me ${Date.now()}\n`);
    const form = new FormData();
    form.append('file', new Blob([inner]), 'sti/inner.txt');
    form.append('file', new Blob([new TextEncoder().encode('a sibling\n')]), 'sti/sibling.txt');
    const uploaded = await apiClient(stack).post('/upload', { token, body: form });
    expect(uploaded.status, uploaded.text).toBe(200);
    await stack.idle();
    const root = CID.parse(uploaded.body.value.cid);
    const leaf = CID.createV1(0x55, await sha256.digest(inner));

    const peerId = stack.env.PROVIDER_PEER_ID as string;
    const found = await waitFor(
      `the indexer to find ${leaf} (log: ${daemonLog.slice(-2000)})`,
      async () => {
        const result = await find(leaf);
        return result.status === 200 ? result.body : undefined;
      },
    );
    const providers = found.MultihashResults?.[0]?.ProviderResults ?? [];
    expect(providers.map((p) => p.Provider.ID)).toEqual([peerId]);
    const port = new URL(stack.gatewayUrl as string).port;
    expect(providers[0]?.Provider.Addrs).toEqual([`/ip4/127.0.0.1/tcp/${port}/http`]);
    // transport-ipfs-gateway-http: varint 0x0920 (a0 12), then its empty payload's length.
    expect(Buffer.from(providers[0]?.Metadata ?? '', 'base64').toString('hex')).toBe('a01200');
    expect((await find(root)).status).toBe(200);

    expect((await apiClient(stack).delete(`/${root}`, { token })).status).toBe(202);
    const run = await runJob('pin-status', { dataDir: stack.dataDir, print: () => {} });
    expect(run.value).toMatchObject({ unpinsRequested: 1 });
    await stack.idle();
    await waitFor(`the indexer to forget ${leaf}`, async () =>
      (await find(leaf)).status === 404 ? true : undefined,
    );
    expect((await find(root)).status).toBe(404);
  });
});
