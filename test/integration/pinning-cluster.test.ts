/**
 * Pinning to an IPFS Cluster provider (a fixture that answers as Cluster's REST API documents)
 * on the local stack: uploads — whole, and in CAR chunks, joined into one CAR for Cluster —
 * are pushed once stored and `pinned` once the cluster reports every allocation pinned.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runJob } from '../../cli/run.ts';
import { type Block, encodeCar, packFile } from '../../lambdas/core/ipfs/index.ts';
import { apiClient, createTestToken } from '../support/api-client.ts';
import { type ClusterFixture, clusterFixture } from '../support/fixtures/cluster.ts';
import { seededBytes } from '../support/ipfs-fixtures.ts';
import { type TestStack, withLocalStack } from '../support/local-stack.ts';

let cluster: ClusterFixture;
let stack: TestStack;
let api: ReturnType<typeof apiClient>;
let token: string;

beforeAll(async () => {
  cluster = await clusterFixture({ user: 'pinstack', password: 'cluster-secret' });
  process.env.CLUSTER_CREDENTIAL = 'basic:pinstack:cluster-secret';
  stack = await withLocalStack({
    env: {
      PIN_PROVIDERS: JSON.stringify([
        {
          name: 'cluster',
          kind: 'cluster',
          url: cluster.url,
          credential: { env: 'CLUSTER_CREDENTIAL' },
        },
      ]),
      PIN_RETRY_BACKOFF_SECONDS: '1',
      PIN_RECHECK_MINUTES: '0',
      LOG_LEVEL: 'silent',
    },
  });
  api = apiClient(stack);
  token = (await createTestToken(stack, 'alice')).token;
});

afterAll(async () => {
  await stack?.stop();
  await cluster?.close();
});

const pinOf = async (cid: string) => (await api.get(`/check/${cid}`)).body.value.pin;

describe('an IPFS Cluster provider', () => {
  it('is pushed an upload and makes it pinned once the cluster has pinned it', async () => {
    const upload = await api.post('/upload', {
      token,
      body: 'pinned by the cluster',
      headers: { 'content-type': 'text/plain' },
    });
    const cid = upload.body.value.pin.cid;
    expect(upload.body.value.pin.status).toBe('queued');
    await stack.idle();
    expect(await pinOf(cid)).toMatchObject({
      status: 'pinning',
      providers: [{ name: 'cluster', status: 'pinning' }],
    });
    cluster.settle();
    await runJob('pin-status', { dataDir: stack.dataDir, print: () => {} });
    expect(await pinOf(cid)).toMatchObject({
      status: 'pinned',
      providers: [{ name: 'cluster', status: 'pinned' }],
    });
  });

  it('gets a DAG uploaded in CAR chunks as one CAR with all its blocks, once it is complete', async () => {
    const packed = await packFile(seededBytes(1_500_000, 77));
    if (!packed.ok) throw new Error('pack failed');
    const { root, blocks } = packed.value as { root: typeof packed.value.root; blocks: Block[] };
    const [head, ...leaves] = blocks as [Block, ...Block[]];
    const chunks = [leaves.slice(0, 3), leaves.slice(3)];
    for (const part of chunks) {
      const response = await api.post('/upload', {
        token,
        body: await encodeCar(root, [head, ...part]),
        headers: { 'content-type': 'application/car' },
      });
      expect(response.status).toBe(200);
    }
    await stack.idle();
    expect(cluster.pins.get(root.toString())?.blocks).toBe(blocks.length + 1);
    cluster.settle();
    await runJob('pin-status', { dataDir: stack.dataDir, print: () => {} });
    expect((await pinOf(root.toString())).status).toBe('pinned');
  });
});
