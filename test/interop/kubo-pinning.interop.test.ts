/**
 * pinstack and a real Kubo (0.43.1, built from the Go module proxy), three ways at once:
 * - Kubo is a configured provider (its RPC API): uploaded content ends up pinned in Kubo;
 * - Kubo's gateway is the trustless source of a pin-by-CID: content only Kubo has is fetched,
 *   verified and stored;
 * - Kubo is a Pinning Service API client: `ipfs pin remote service add` with pinstack's API,
 *   `ipfs pin remote add --service=…` waits until pinstack says pinned, `ipfs pin remote ls`
 *   lists the pin.
 */
import { CarBufferReader } from '@ipld/car/buffer-reader';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createClients } from '../../lambdas/shared/clients.ts';
import { loadConfig } from '../../lambdas/shared/config.ts';
import { carpark, contentPorts } from '../../lambdas/shared/wiring.ts';
import { apiClient, createTestToken } from '../support/api-client.ts';
import { seededBytes } from '../support/ipfs-fixtures.ts';
import { type TestStack, withLocalStack } from '../support/local-stack.ts';
import { type Kubo, startKubo } from './daemons.ts';
import { goToolchain, installKubo, KUBO_VERSION } from './tools.ts';

const go = await goToolchain();
const skip = 'skip' in go ? go.skip : undefined;
if (skip) console.warn(`[interop] Kubo pinning skipped: ${skip}`);

describe.skipIf(skip !== undefined)(`pinstack with Kubo ${KUBO_VERSION}`, () => {
  let kubo: Kubo;
  let stack: TestStack;
  let api: ReturnType<typeof apiClient>;
  let token: string;

  beforeAll(async () => {
    const installed = await installKubo();
    if (installed.skip !== undefined) throw new Error(installed.skip);
    kubo = await startKubo(installed.bins.ipfs);
    stack = await withLocalStack({
      env: {
        PIN_PROVIDERS: JSON.stringify([{ name: 'kubo', kind: 'kubo', url: kubo.api }]),
        IPFS_GATEWAYS: kubo.gateway,
        PIN_RETRY_BACKOFF_SECONDS: '1',
        LOG_LEVEL: 'silent',
      },
      // Kubo's remote pin add polls for longer than the test stack's usual 1 s.
      visibilityTimeoutSeconds: 30,
    });
    api = apiClient(stack);
    token = (await createTestToken(stack, 'kubo-user')).token;
  });

  afterAll(async () => {
    await stack?.stop();
    await kubo?.stop();
  });

  const pinOf = async (cid: string) => (await api.get(`/check/${cid}`)).body.value.pin;

  it('pins uploaded content to Kubo (dag/import), which then holds the whole DAG', async () => {
    const bytes = seededBytes(1_200_000, 3);
    const upload = await api.post('/upload', {
      token,
      body: bytes,
      headers: { 'content-type': 'application/octet-stream' },
    });
    const cid = upload.body.value.pin.cid as string;
    expect(upload.body.value.pin.status).toBe('queued');
    await stack.idle();
    expect(await pinOf(cid)).toMatchObject({
      status: 'pinned',
      providers: [{ name: 'kubo', status: 'pinned', size: expect.any(Number) }],
    });
    expect(await kubo.ipfs(['pin', 'ls', '--type=recursive', cid])).toContain(`${cid} recursive`);
    const back = await kubo.ipfs(['cat', cid], 60_000).then(() => true);
    expect(back).toBe(true);
    const stat = JSON.parse(
      await kubo.ipfs(['dag', 'stat', '--progress=false', '--enc=json', cid]),
    );
    expect(stat.TotalSize).toBeGreaterThan(bytes.length);
  });

  it("fetches a pin-by-CID from Kubo's gateway and stores the verified DAG", async () => {
    const file = `${stack.dataDir}/only-kubo-has-this.bin`;
    const { writeFile } = await import('node:fs/promises');
    await writeFile(file, seededBytes(900_000, 5));
    const cid = (await kubo.ipfs(['add', '-Q', '--cid-version=1', '--raw-leaves', file])).trim();
    expect((await api.get(`/check/${cid}`)).status).toBe(404);

    const added = await api.post('/pins', {
      token,
      body: JSON.stringify({ cid, name: 'from kubo' }),
      headers: { 'content-type': 'application/json' },
    });
    expect(added.status).toBe(202);
    await stack.idle();
    expect((await api.get(`/pins/${added.body.requestid}`, { token })).body.status).toBe('pinned');

    // The carpark holds exactly the blocks Kubo exports for the DAG.
    const config = loadConfig({ ...process.env, ...stack.env });
    const clients = createClients(config);
    try {
      const stored = new Map<string, Buffer>();
      for (const car of await contentPorts(config, clients).contents.listCars(cid)) {
        const bytes = await carpark(config, clients).get(car.key);
        for (const block of CarBufferReader.fromBytes(bytes as Uint8Array).blocks()) {
          stored.set(block.cid.toString(), Buffer.from(block.bytes));
        }
      }
      const exported = await exportCar(kubo, cid);
      const expected = CarBufferReader.fromBytes(exported).blocks();
      expect(stored.size).toBe(expected.length);
      for (const block of expected) {
        expect(stored.get(block.cid.toString())?.equals(Buffer.from(block.bytes))).toBe(true);
      }
    } finally {
      clients.destroy();
    }
  });

  it('is a remote pinning service for Kubo: pin remote service add, pin remote add, pin remote ls', async () => {
    const file = `${stack.dataDir}/pinned-remotely.bin`;
    const { writeFile } = await import('node:fs/promises');
    await writeFile(file, seededBytes(400_000, 9));
    const cid = (await kubo.ipfs(['add', '-Q', '--cid-version=1', file])).trim();

    await kubo.ipfs(['pin', 'remote', 'service', 'add', 'pinstack', stack.apiUrl, token]);
    expect(await kubo.ipfs(['pin', 'remote', 'service', 'ls'])).toContain(
      `pinstack ${stack.apiUrl}`,
    );
    // Waits until pinstack says pinned (Kubo polls GET /pins/{requestid}).
    const added = await kubo.ipfs(
      ['pin', 'remote', 'add', '--service=pinstack', '--name=from-kubo', cid],
      120_000,
    );
    expect(added).toContain(cid);
    expect(added).toMatch(/Status:\s+pinned/);

    const listed = await kubo.ipfs(['pin', 'remote', 'ls', '--service=pinstack']);
    expect(listed).toContain(cid);
    expect(listed).toContain('from-kubo');
    const all = await kubo.ipfs([
      'pin',
      'remote',
      'ls',
      '--service=pinstack',
      '--status=queued,pinning,pinned,failed',
      `--cid=${cid}`,
    ]);
    expect(all).toContain('pinned');
    expect(await kubo.ipfs(['pin', 'remote', 'service', 'ls', '--stat'])).toMatch(
      /pinstack .* \d+\/\d+\/\d+\/\d+/,
    );

    // The pin is the user's upload, and removing it remotely removes it.
    expect((await api.get(`/${cid}`, { token })).body.value).toMatchObject({
      type: 'remote',
      name: 'from-kubo',
    });
    await kubo.ipfs(['pin', 'remote', 'rm', '--service=pinstack', '--name=from-kubo', '--force']);
    expect(await kubo.ipfs(['pin', 'remote', 'ls', '--service=pinstack', '--name=from-kubo'])).toBe(
      '',
    );
    expect((await api.get(`/${cid}`, { token })).status).toBe(404);
  });
});

/** The DAG as Kubo exports it (`dag/export` on its RPC API). */
async function exportCar(kubo: Kubo, cid: string): Promise<Uint8Array> {
  const response = await fetch(`${kubo.api}/api/v0/dag/export?arg=${cid}`, { method: 'POST' });
  expect(response.status).toBe(200);
  return new Uint8Array(await response.arrayBuffer());
}
