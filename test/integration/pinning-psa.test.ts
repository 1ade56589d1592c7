/**
 * Pinning through a remote Pinning Service API provider (a fixture that answers as the spec
 * documents, errors included) on the local stack: the real pin worker, dead-letter consumer and
 * pin-status cron, with a local trustless gateway for pin-by-CID. The provider's token comes
 * from an environment variable, as PIN_PROVIDERS lets a local stack take it.
 */

import { SendMessageBatchCommand } from '@aws-sdk/client-sqs';
import { CarBufferReader } from '@ipld/car/buffer-reader';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runJob } from '../../cli/run.ts';
import { type Block, encodeCar, packFile } from '../../lambdas/core/ipfs/index.ts';
import { requestPinByCid } from '../../lambdas/core/pin-by-cid.ts';
import { createClients } from '../../lambdas/shared/clients.ts';
import { loadConfig } from '../../lambdas/shared/config.ts';
import { carpark, contentPorts, pinByCidPorts } from '../../lambdas/shared/wiring.ts';
import { apiClient, createTestToken } from '../support/api-client.ts';
import {
  type PinningServiceFixture,
  pinningServiceFixture,
} from '../support/fixtures/pinning-service.ts';
import {
  type GatewayFixture,
  trustlessGatewayFixture,
} from '../support/fixtures/trustless-gateway.ts';
import { craftCar, seededBytes } from '../support/ipfs-fixtures.ts';
import { type TestStack, withLocalStack } from '../support/local-stack.ts';

const TOKEN = 'fixture-token-123';
let remote: PinningServiceFixture;
let gateway: GatewayFixture;
let stack: TestStack;
let api: ReturnType<typeof apiClient>;
let alice: string;
let bob: string;
let clients: ReturnType<typeof createClients>;

beforeAll(async () => {
  remote = await pinningServiceFixture(TOKEN);
  gateway = await trustlessGatewayFixture();
  process.env.REMOTE_PINNING_TOKEN = TOKEN;
  stack = await withLocalStack({
    env: {
      PIN_PROVIDERS: JSON.stringify([
        {
          name: 'remote',
          kind: 'psa',
          url: remote.url,
          credential: { env: 'REMOTE_PINNING_TOKEN' },
        },
      ]),
      IPFS_GATEWAYS: gateway.url,
      GATEWAY_PUBLIC_URL: 'https://gateway.pinstack.example',
      PIN_RETRY_BACKOFF_SECONDS: '1',
      PIN_RECHECK_MINUTES: '0',
      UNPIN_GRACE_DAYS: '0',
      LOG_LEVEL: process.env.PIN_TEST_LOG ?? 'silent',
    },
  });
  api = apiClient(stack);
  alice = (await createTestToken(stack, 'alice')).token;
  bob = (await createTestToken(stack, 'bob')).token;
  clients = createClients(loadConfig({ ...process.env, ...stack.env }));
});

afterAll(async () => {
  clients?.destroy();
  await stack?.stop();
  await remote?.close();
  await gateway?.close();
});

const cron = () => runJob('pin-status', { dataDir: stack.dataDir, print: () => {} });

async function uploadText(token: string, text: string) {
  const response = await api.post('/upload', {
    token,
    body: text,
    headers: { 'content-type': 'text/plain' },
  });
  expect(response.status).toBe(200);
  return response.body.value.pin.cid as string;
}

const pinOf = async (cid: string) => (await api.get(`/check/${cid}`)).body.value.pin;

async function fileDag(bytes: number, seed: number) {
  const packed = await packFile(seededBytes(bytes, seed));
  if (!packed.ok) throw new Error('pack failed');
  const { root, blocks } = packed.value;
  return { root, blocks: blocks as Block[], car: await encodeCar(root, blocks) };
}

describe('a remote Pinning Service provider', () => {
  it('keeps an upload pinning until the provider says pinned, then the cron makes it pinned', async () => {
    const cid = await uploadText(alice, 'remote pinning');
    await stack.idle();
    const pinning = await pinOf(cid);
    expect(pinning).toMatchObject({
      status: 'pinning',
      providers: [{ name: 'remote', status: 'queued' }],
    });
    const [asked] = [...remote.pins.values()].filter((p) => p.pin.cid === cid);
    expect(asked?.pin.origins).toEqual([
      expect.stringMatching(/^\/dns\/gateway\.pinstack\.example\/tcp\/443\/https\/p2p\/12D3KooW/),
    ]);

    await cron();
    await stack.idle();
    expect((await pinOf(cid)).status).toBe('pinning');

    remote.settle();
    await cron();
    const pinned = await pinOf(cid);
    expect(pinned).toMatchObject({
      status: 'pinned',
      providers: [{ name: 'remote', status: 'pinned' }],
    });
    // The owner sees the same on GET /{cid}.
    expect((await api.get(`/${cid}`, { token: alice })).body.value.pin.status).toBe('pinned');
  });

  it('makes one remote pin of a message delivered twice', async () => {
    const cid = await uploadText(alice, 'delivered twice');
    await stack.idle();
    const message = JSON.stringify({ op: 'pin', cid });
    await clients.sqs.send(
      new SendMessageBatchCommand({
        QueueUrl: stack.env.PIN_QUEUE_URL,
        Entries: [
          { Id: '1', MessageBody: message },
          { Id: '2', MessageBody: message },
        ],
      }),
    );
    await stack.idle();
    expect([...remote.pins.values()].filter((p) => p.pin.cid === cid)).toHaveLength(1);
  });

  it('during an outage retries, then the dead-letter consumer fails the pin with the outage as its reason', async () => {
    remote.mode = 'down';
    try {
      const cid = await uploadText(alice, 'outage');
      await stack.idle({ timeoutMs: 60_000 });
      const pin = await pinOf(cid);
      expect(pin.status).toBe('failed');
      expect(pin.failure).toMatch(
        /^gave up after 3 attempts: remote: provider remote: answered HTTP 503/,
      );
      const content = await contentPorts(
        loadConfig({ ...process.env, ...stack.env }),
        clients,
      ).contents.get(cid);
      // Not final: the cron retries it during its grace period.
      expect(content?.failure).toMatchObject({ kind: 'gave-up' });
      expect(content?.failure?.retryAt).toBeDefined();
    } finally {
      remote.mode = 'ok';
    }
  });
});

describe('pin by CID (POST /pins)', () => {
  it('fetches the DAG from a local trustless gateway and stores it verified', async () => {
    const dag = await fileDag(2_500_000, 41);
    gateway.serveCar(dag.root.toString(), dag.car);
    const added = await api.post('/pins', {
      token: alice,
      body: JSON.stringify({ cid: dag.root.toString(), name: 'by cid' }),
      headers: { 'content-type': 'application/json' },
    });
    expect(added.status).toBe(202);
    expect(added.body.status).toBe('queued');
    await stack.idle();
    // Stored; the provider is still fetching.
    const requested = await api.get(`/pins/${added.body.requestid}`, { token: alice });
    expect(requested.body).toMatchObject({
      status: 'pinning',
      info: { dag_size: expect.any(String) },
    });

    const config = loadConfig({ ...process.env, ...stack.env });
    const cars = await contentPorts(config, clients).contents.listCars(dag.root.toString());
    const store = carpark(config, clients);
    const blocks = new Map<string, Uint8Array>();
    for (const car of cars) {
      const bytes = await store.get(car.key);
      for (const block of CarBufferReader.fromBytes(bytes as Uint8Array).blocks()) {
        blocks.set(block.cid.toString(), block.bytes);
      }
    }
    expect(blocks.size).toBe(dag.blocks.length);
    for (const block of dag.blocks) {
      expect(Buffer.compare(blocks.get(block.cid.toString()) as Uint8Array, block.bytes)).toBe(0);
    }

    remote.settle();
    await cron();
    expect((await api.get(`/pins/${added.body.requestid}`, { token: alice })).body.status).toBe(
      'pinned',
    );
    // It is alice's upload of the CID.
    const uploads = (await api.get('/', { token: alice })).body.value;
    expect(uploads).toContainEqual(
      expect.objectContaining({ cid: dag.root.toString(), type: 'remote', name: 'by cid' }),
    );
  });

  it('fails the pin when the gateway serves a block with a wrong hash, saying so', async () => {
    const dag = await fileDag(700_000, 43);
    const [root, leaf, ...rest] = dag.blocks as [Block, Block, ...Block[]];
    const tampered = new Uint8Array(leaf.bytes);
    tampered[10] = (tampered[10] ?? 0) ^ 1;
    gateway.serveCar(
      dag.root.toString(),
      await craftCar([dag.root], [root, { cid: leaf.cid, bytes: tampered }, ...rest]),
    );
    const added = await api.post('/pins', {
      token: alice,
      body: JSON.stringify({ cid: dag.root.toString() }),
      headers: { 'content-type': 'application/json' },
    });
    await stack.idle();
    const failed = (await api.get(`/pins/${added.body.requestid}`, { token: alice })).body;
    expect(failed.status).toBe('failed');
    expect(failed.info.status_details).toMatch(/failed hash verification/);
    expect(failed.info.status_details).toContain(leaf.cid.toString());
    expect((await pinOf(dag.root.toString())).failure).toMatch(/failed hash verification/);
  });
});

describe('pin by CID for a service (the chain scraper)', () => {
  it("requestPinByCid on the functions' wiring: a system user's upload of the CID, fetched and pinned", async () => {
    const dag = await fileDag(300_000, 47);
    const cid = dag.root.toString();
    gateway.serveCar(cid, dag.car);
    const ports = pinByCidPorts(loadConfig({ ...process.env, ...stack.env }), clients);
    const request = {
      userId: 'system:scraper',
      cid,
      name: 'eth:0xabc:1',
      meta: { chain: 'eth', contract: '0xabc', token: '1' },
      scope: { tokenId: 'scraper', tokenName: 'chain scraper' },
    };
    const first = await requestPinByCid(ports, request);
    expect(first.ok && first.value.content.pinStatus).toBe('queued');
    // Found again on the next scrape: the same upload, no second fetch.
    const again = await requestPinByCid(ports, request);
    expect(again.ok && again.value.upload.created).toBe(first.ok && first.value.upload.created);
    expect((await requestPinByCid(ports, { ...request, cid: 'nope' })).ok).toBe(false);
    await stack.idle();
    remote.settle();
    await cron();
    expect((await pinOf(cid)).status).toBe('pinned');
    const upload = await ports.uploads.get('system:scraper', cid);
    expect(upload).toMatchObject({
      type: 'remote',
      name: 'eth:0xabc:1',
      meta: request.meta,
      tokenId: 'scraper',
    });
  });
});

describe('removal', () => {
  it("unpins a deleted upload's content after the grace period, keeping it while another user holds it", async () => {
    const cidOf = await uploadText(alice, 'shared then deleted');
    await uploadText(bob, 'shared then deleted');
    await stack.idle();
    remote.settle();
    await cron();
    expect((await pinOf(cidOf)).status).toBe('pinned');

    expect((await api.delete(`/${cidOf}`, { token: alice })).status).toBe(202);
    await cron();
    await stack.idle();
    expect((await pinOf(cidOf)).status).toBe('pinned');
    expect([...remote.pins.values()].filter((p) => p.pin.cid === cidOf)).toHaveLength(1);

    expect((await api.delete(`/${cidOf}`, { token: bob })).status).toBe(202);
    await cron();
    await stack.idle();
    expect((await api.get(`/check/${cidOf}`)).status).toBe(404);
    expect([...remote.pins.values()].filter((p) => p.pin.cid === cidOf)).toHaveLength(0);
  });
});
