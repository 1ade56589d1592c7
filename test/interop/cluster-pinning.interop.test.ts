/**
 * pinstack pinning to a real IPFS Cluster peer (1.1.6, built from the Go module proxy) in front
 * of a real Kubo: once through the cluster's REST API (the DAG pushed as one CAR, with basic
 * auth), and once through the cluster's own Pinning Service API as a remote PSA provider (asked
 * by CID; the cluster's Kubo already has the blocks from the first). Both must report the pin
 * before pinstack says `pinned`.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runJob } from '../../cli/run.ts';
import { apiClient, createTestToken } from '../support/api-client.ts';
import { seededBytes } from '../support/ipfs-fixtures.ts';
import { type TestStack, withLocalStack } from '../support/local-stack.ts';
import { type Cluster, type Kubo, startCluster, startKubo } from './daemons.ts';
import { goToolchain, IPFS_CLUSTER_VERSION, installIpfsCluster, installKubo } from './tools.ts';

const go = await goToolchain();
const skip = 'skip' in go ? go.skip : undefined;
if (skip) console.warn(`[interop] IPFS Cluster pinning skipped: ${skip}`);

describe.skipIf(skip !== undefined)(`pinstack with IPFS Cluster ${IPFS_CLUSTER_VERSION}`, () => {
  let kubo: Kubo;
  let cluster: Cluster;
  let stack: TestStack;
  let api: ReturnType<typeof apiClient>;
  let token: string;

  beforeAll(async () => {
    const [kuboBin, clusterBins] = [await installKubo(), await installIpfsCluster()];
    if (kuboBin.skip !== undefined) throw new Error(kuboBin.skip);
    if (clusterBins.skip !== undefined) throw new Error(clusterBins.skip);
    kubo = await startKubo(kuboBin.bins.ipfs);
    cluster = await startCluster(clusterBins.bins['ipfs-cluster-service'], kubo, {
      user: 'pinstack',
      password: 'cluster-secret',
    });
    process.env.CLUSTER_CREDENTIAL = 'basic:pinstack:cluster-secret';
    process.env.CLUSTER_PSA_TOKEN = 'any-token';
    stack = await withLocalStack({
      env: {
        PIN_PROVIDERS: JSON.stringify([
          {
            name: 'cluster',
            kind: 'cluster',
            url: cluster.rest,
            credential: { env: 'CLUSTER_CREDENTIAL' },
          },
          {
            name: 'cluster-psa',
            kind: 'psa',
            url: cluster.pinningService,
            credential: { env: 'CLUSTER_PSA_TOKEN' },
          },
        ]),
        PIN_RETRY_BACKOFF_SECONDS: '1',
        PIN_RECHECK_MINUTES: '0',
        LOG_LEVEL: 'silent',
      },
      visibilityTimeoutSeconds: 30,
    });
    api = apiClient(stack);
    token = (await createTestToken(stack, 'cluster-user')).token;
  });

  afterAll(async () => {
    await stack?.stop();
    await cluster?.stop();
    await kubo?.stop();
  });

  it('pins an upload through the REST API and the Pinning Service API of the cluster', async () => {
    const upload = await api.post('/upload', {
      token,
      body: seededBytes(800_000, 21),
      headers: { 'content-type': 'application/octet-stream' },
    });
    const cid = upload.body.value.pin.cid as string;
    await stack.idle();
    let pin = (await api.get(`/check/${cid}`)).body.value.pin;
    for (let run = 0; pin.status !== 'pinned' && run < 20; run++) {
      await new Promise((resolve) => setTimeout(resolve, 1000));
      await runJob('pin-status', { dataDir: stack.dataDir, print: () => {} });
      await stack.idle();
      pin = (await api.get(`/check/${cid}`)).body.value.pin;
    }
    expect(pin).toMatchObject({
      status: 'pinned',
      providers: expect.arrayContaining([
        expect.objectContaining({ name: 'cluster', status: 'pinned' }),
        expect.objectContaining({ name: 'cluster-psa', status: 'pinned' }),
      ]),
    });
    expect(await kubo.ipfs(['pin', 'ls', '--type=recursive', cid])).toContain(cid);
    const status = await fetch(`${cluster.rest}/pins/${cid}`, {
      headers: {
        authorization: `Basic ${Buffer.from('pinstack:cluster-secret').toString('base64')}`,
      },
    });
    expect(JSON.stringify(await status.json())).toContain('"status":"pinned"');
  });
});
