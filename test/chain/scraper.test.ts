/**
 * The chain scraper end to end, against a real EVM: EDR in this process behind an HTTP JSON-RPC
 * endpoint, OpenZeppelin contracts compiled by solc-js, the local stack, and every run made the
 * way an operator makes it — `pinstack run scraper` in its own process. The cases build on one
 * chain in order: first the mints of every URI form, then refreshes, a reorg, a provider that
 * refuses large queries, metadata that fails before it succeeds, and two runs at once.
 */
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { GetCommand, ScanCommand } from '@aws-sdk/lib-dynamodb';
import { CID } from 'multiformats/cid';
import { sha256 } from 'multiformats/hashes/sha2';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chainKeys } from '../../lambdas/codecs/chain-keys.ts';
import { MAX_UINT256 } from '../../lambdas/codecs/nft.ts';
import { type AwsClients, createClients } from '../../lambdas/shared/clients.ts';
import { loadConfig } from '../../lambdas/shared/config.ts';
import { apiClient, createTestToken } from '../support/api-client.ts';
import {
  type Artifact,
  contracts,
  deployer,
  installMulticall3,
} from '../support/chain/contracts.ts';
import { createEdrChain, type EdrChain } from '../support/chain/edr.ts';
import { startTestGateway, type TestGateway } from '../support/chain/gateway.ts';
import { type RpcServer, startRpcServer } from '../support/chain/rpc-server.ts';
import { type TestStack, withLocalStack } from '../support/local-stack.ts';

const run = promisify(execFile);
const ROOT = join(import.meta.dirname, '..', '..');
const CHAIN_ID = 31337;
const hex64 = (id: bigint) => id.toString(16).padStart(64, '0');
const json = (value: unknown) => JSON.stringify(value);

let chain: EdrChain;
let rpc: RpcServer;
let gateway: TestGateway;
let stack: TestStack;
let clients: AwsClients;
let api: ReturnType<typeof apiClient>;
let A: Awaited<ReturnType<typeof contracts>>;
let tx: ReturnType<typeof deployer>;
let owner: string;
const address: Record<'erc721' | 'erc1155' | 'consecutive' | 'erc20' | 'bulk', string> = {
  erc721: '',
  erc1155: '',
  consecutive: '',
  erc20: '',
  bulk: '',
};
/** Every CID that reached the pin queue so far. */

// Content the URIs point at; the gateway serves `dir` and `img`, not `v0` nor `elsewhere`.
let dir: string;
let img: string;
let v0: string;
let v0AsV1: string;
const elsewhere = CID.create(1, 0x55, await sha256.digest(new TextEncoder().encode('elsewhere')));

interface ScraperReport {
  skipped?: string;
  chains: {
    chainId: number;
    windows: number;
    tokens: number;
    written: number;
    pinRequests: number;
    refusals: number;
    reorgFrom?: number;
    caughtUp: boolean;
    stopped?: string;
  }[];
  metadata: { reads: number; fetched: number; retrying: number; failed: number };
}

/** `pinstack run scraper`, as an operator runs it: its report, and the pin queue drained. */
async function scrape(): Promise<ScraperReport> {
  const { stdout } = await run(process.execPath, ['bin/pinstack-cli.js', 'run', 'scraper'], {
    cwd: ROOT,
    env: { ...process.env, PINSTACK_DATA_DIR: stack.dataDir, LOG_LEVEL: 'silent' },
  });
  const report = /^scraper: ok in \d+ ms (.*)$/m.exec(stdout)?.[1];
  if (!report) throw new Error(`unexpected output: ${stdout}`);
  return JSON.parse(report) as ScraperReport;
}

/** The CIDs the scraper asked to pin by CID (its SCRAPED# rows; the pin worker takes the messages). */
async function requestedPins(): Promise<string[]> {
  const cids: string[] = [];
  let start: Record<string, unknown> | undefined;
  do {
    const page = await clients.dynamo.send(
      new ScanCommand({
        TableName: stack.env.TABLE_NAME,
        FilterExpression: 'begins_with(pk, :scraped)',
        ExpressionAttributeValues: { ':scraped': 'SCRAPED#' },
        ExclusiveStartKey: start,
      }),
    );
    for (const item of page.Items ?? []) cids.push(String(item.cid));
    start = page.LastEvaluatedKey;
  } while (start);
  return cids.sort();
}

async function nft(contract: string, tokenId: bigint | string) {
  const response = await api.get(`/nfts/${CHAIN_ID}/${contract}/${tokenId}`);
  expect(response.status, `${contract} #${tokenId}: ${response.text}`).toBe(200);
  return response.body.value;
}

const cidsOf = (value: { cids: { cid: string; path: string; source: string }[] }) =>
  value.cids.map(({ cid, path, source }) => ({ cid, path, source }));

async function cursor() {
  const { Item } = await clients.dynamo.send(
    new GetCommand({ TableName: stack.env.TABLE_NAME, Key: chainKeys.chainCursor(CHAIN_ID) }),
  );
  return Item;
}

const send = (artifact: Artifact, to: string, fn: string, args: unknown[]) =>
  tx.send(artifact, to, fn, args);

beforeAll(async () => {
  chain = await createEdrChain({ chainId: CHAIN_ID });
  rpc = await startRpcServer(chain);
  gateway = await startTestGateway();
  A = await contracts();
  await installMulticall3(chain);
  tx = deployer(chain);
  owner = chain.accounts[0] as string;

  img = await gateway.addFile('an image');
  v0 = CID.createV0(await sha256.digest(new TextEncoder().encode('v0 content'))).toString();
  v0AsV1 = CID.parse(v0).toV1().toString();
  dir = await gateway.addDirectory({
    '1.json': json({
      name: 'One',
      image: `ipfs://${img}`,
      animation_url: `https://gw.example/ipfs/${elsewhere}/clip.mp4`,
      properties: { files: [{ uri: `ipfs://${elsewhere}/model.glb` }, `${img}`] },
      localization: { uri: `ipfs://${elsewhere}/{locale}.json` },
    }),
    '1-revealed.json': json({ name: 'One, revealed', image: `ipfs://${elsewhere}/revealed.png` }),
    [`${hex64(1n)}.json`]: json({ name: 'Edition', image: `ipfs://${elsewhere}/{id}.png` }),
    'max.json': json({ name: 'Max', image: `ipfs://${img}` }),
  });

  const env: NodeJS.ProcessEnv = {
    AWS_REGION: process.env.AWS_REGION,
    CHAINS: json([
      { chainId: CHAIN_ID, rpcUrl: rpc.url, startBlock: 0, confirmations: 0, windowBlocks: 64 },
    ]),
    IPFS_GATEWAYS: gateway.url,
    METADATA_RETRY_SECONDS: '1',
    METADATA_ATTEMPTS: '3',
    RATE_LIMIT_REQUESTS: '100000',
  };
  stack = await withLocalStack({ env });
  clients = createClients(loadConfig(stack.env));
  api = apiClient(stack);

  address.erc721 = await tx.deploy(A.TestERC721);
  address.erc1155 = await tx.deploy(A.TestERC1155, [`ipfs://${dir}/{id}.json`]);
  address.consecutive = await tx.deploy(A.TestERC721Consecutive, [
    `ipfs://${dir}/c/`,
    [owner],
    [5n],
  ]);
  address.erc20 = await tx.deploy(A.TestERC20);
  address.bulk = await tx.deploy(A.BulkERC721, [`ipfs://${dir}/bulk/`]);
  for (const key of Object.keys(address) as (keyof typeof address)[]) {
    address[key] = address[key].toLowerCase();
  }
}, 120_000);

afterAll(async () => {
  clients?.destroy();
  await stack?.stop();
  await rpc?.close();
  await gateway?.close();
});

/** Token ids and their URIs; built once the gateway has packed the content they name. */
const uris721 = (): Record<string, string> => {
  const svg = `<svg xmlns="http://www.w3.org/2000/svg"><image href="ipfs://${img}/a.png"/></svg>`;
  return {
    '1': `ipfs://${dir}/1.json`,
    '2': `data:application/json;base64,${Buffer.from(json({ name: 'Two', image: `ipfs://${img}` })).toString('base64')}`,
    '3': `data:application/json,${encodeURIComponent(json({ name: 'Token #3', image: `https://gw.example/ipfs/${v0}/3.png` }))}`,
    '4': `data:application/json;utf8,{"name":"Token #4","image":"ipfs://${img}"}`,
    '5': `https://gw.example/ipfs/${v0}/5.json?x=1#frag`,
    '6': `https://${dir}.ipfs.gw.example/6.json`,
    '7': `ipfs://ipfs/${dir}/7.json`,
    '8': `data:image/svg+xml;base64,${Buffer.from(svg).toString('base64')}`,
    '9': 'https://example.com/9.json',
    '10': 'ipns://k51qzi5uqu5dlvj2baxnqndepeb86cbk3ng7n3i46uzyxzyqj2xjonzllnv0v8/10.json',
    '11': 'ar://bNbA3TEQVL60xlgCcqdz4ZPHFZ711cZ3hmkpGttDt_U',
    '12': '',
    '13': img,
  };
};
const uriOf = (id: string) => uris721()[id] as string;

describe('chain scraper', () => {
  it('records every URI form, skips the ERC-20 mint, queues the CIDs and moves the cursor', async () => {
    for (const id of Object.keys(uris721())) {
      await send(A.TestERC721, address.erc721, 'mint', [owner, BigInt(id), uriOf(id)]);
    }
    await send(A.TestERC721, address.erc721, 'mint', [
      owner,
      MAX_UINT256,
      `ipfs://${dir}/max.json`,
    ]);
    // Minted and burned before the scraper reads it: its URI read reverts.
    await send(A.TestERC721, address.erc721, 'mint', [owner, 14n, `ipfs://${dir}/14.json`]);
    await send(A.TestERC721, address.erc721, 'burn', [14n]);
    await send(A.TestERC1155, address.erc1155, 'mint', [owner, 1n, 10n]);
    await send(A.TestERC1155, address.erc1155, 'mint', [owner, 314592n, 1n]);
    await send(A.TestERC1155, address.erc1155, 'mint', [owner, MAX_UINT256, 1n]);
    await send(A.TestERC1155, address.erc1155, 'mintBatch', [owner, [10n, 11n], [1n, 2n]]);
    await send(A.TestERC1155, address.erc1155, 'mintWithURI', [owner, 20n, 1n, `ipfs://${img}`]);
    await send(A.TestERC20, address.erc20, 'mint', [owner, 10n ** 18n]);
    await send(A.BulkERC721, address.bulk, 'mintRange', [owner, 1n, 3n]);
    const head = Number(BigInt(await chain.request<string>('eth_blockNumber')));

    const report = await scrape();
    const [scan] = report.chains;
    expect(scan).toMatchObject({ chainId: CHAIN_ID, caughtUp: true });
    expect(scan?.stopped).toBeUndefined();
    // 13 ERC-721s, 2^256-1 and the burned one; 6 ERC-1155s; 5 consecutive; 3 bulk.
    expect(scan?.tokens).toBe(29);
    expect((await cursor())?.next).toBe(head + 1);

    expect(cidsOf(await nft(address.erc721, 1n))).toEqual([
      { cid: dir, path: '/1.json', source: 'uri' },
      { cid: img, path: '', source: 'metadata' },
      { cid: elsewhere.toString(), path: '/clip.mp4', source: 'metadata' },
      { cid: elsewhere.toString(), path: '/model.glb', source: 'metadata' },
      { cid: elsewhere.toString(), path: '/{locale}.json', source: 'metadata' },
    ]);
    expect(await nft(address.erc721, 1n)).toMatchObject({
      chainId: CHAIN_ID,
      contract: address.erc721,
      tokenId: '1',
      tokenURI: uriOf('1'),
      uriStatus: 'ipfs',
      metadataStatus: 'fetched',
    });
    const two = await nft(address.erc721, 2n);
    expect(two).toMatchObject({ uriStatus: 'data', metadataStatus: 'inline' });
    expect(cidsOf(two)).toEqual([{ cid: img, path: '', source: 'data-uri' }]);
    expect(cidsOf(await nft(address.erc721, 3n))).toEqual([
      { cid: v0AsV1, path: '/3.png', source: 'data-uri' },
    ]);
    expect(cidsOf(await nft(address.erc721, 4n))).toEqual([
      { cid: img, path: '', source: 'data-uri' },
    ]);
    const five = await nft(address.erc721, 5n);
    expect(cidsOf(five)).toEqual([{ cid: v0AsV1, path: '/5.json', source: 'uri' }]);
    // Not on the gateway: recorded with the reason, tried again later.
    expect(five).toMatchObject({
      metadataStatus: 'retrying',
      metadataReason: expect.stringMatching(/404/),
    });
    expect(cidsOf(await nft(address.erc721, 6n))).toEqual([
      { cid: dir, path: '/6.json', source: 'uri' },
    ]);
    expect(cidsOf(await nft(address.erc721, 7n))).toEqual([
      { cid: dir, path: '/7.json', source: 'uri' },
    ]);
    expect(cidsOf(await nft(address.erc721, 8n))).toEqual([
      { cid: img, path: '/a.png', source: 'data-uri' },
    ]);
    expect(await nft(address.erc721, 9n)).toMatchObject({ uriStatus: 'http', cids: [] });
    expect(await nft(address.erc721, 10n)).toMatchObject({
      uriStatus: 'unsupported',
      uriReason: expect.stringMatching(/IPNS/),
    });
    expect(await nft(address.erc721, 11n)).toMatchObject({
      uriStatus: 'unsupported',
      uriReason: expect.stringMatching(/Arweave/),
    });
    expect(await nft(address.erc721, 12n)).toMatchObject({ uriStatus: 'empty', tokenURI: '' });
    expect(cidsOf(await nft(address.erc721, 13n))).toEqual([{ cid: img, path: '', source: 'uri' }]);
    expect(await nft(address.erc721, 14n)).toMatchObject({
      uriStatus: 'reverted',
      uriReason: expect.stringMatching(/^reverted with 0x7e273289/),
    });
    expect(await nft(address.erc721, MAX_UINT256)).toMatchObject({
      tokenId: MAX_UINT256.toString(),
      metadataStatus: 'fetched',
    });

    // ERC-1155: `{id}` as 64 hex digits, in the URI and inside the metadata.
    const edition = await nft(address.erc1155, 1n);
    expect(edition.tokenURI).toBe(`ipfs://${dir}/${hex64(1n)}.json`);
    expect(cidsOf(edition)).toEqual([
      { cid: dir, path: `/${hex64(1n)}.json`, source: 'uri' },
      { cid: elsewhere.toString(), path: `/${hex64(1n)}.png`, source: 'metadata' },
    ]);
    expect((await nft(address.erc1155, 314592n)).tokenURI).toBe(
      `ipfs://${dir}/000000000000000000000000000000000000000000000000000000000004cce0.json`,
    );
    expect((await nft(address.erc1155, MAX_UINT256)).tokenURI).toBe(
      `ipfs://${dir}/${'f'.repeat(64)}.json`,
    );
    expect(cidsOf(await nft(address.erc1155, 20n))).toEqual([
      { cid: img, path: '', source: 'uri' },
    ]);
    expect((await nft(address.erc1155, 11n)).uriStatus).toBe('ipfs');
    // ERC-2309 batch mints, from their one event.
    expect((await nft(address.consecutive, 4n)).tokenURI).toBe(`ipfs://${dir}/c/4`);

    // The ERC-20 mint (a Transfer with 3 topics) is no NFT.
    expect((await api.get(`/nfts/${CHAIN_ID}/${address.erc20}/${10n ** 18n}`)).status).toBe(404);
    expect((await api.get(`/nfts/${CHAIN_ID}/${address.erc20}/0`)).status).toBe(404);

    // Every CID found was handed to the pin queue, once; web URLs and IPNS names were not.
    expect(await requestedPins()).toEqual([dir, img, v0AsV1, elsewhere.toString()].sort());
  });

  it('answers for any letter case of the address, under /api too, and 400 for bad parameters', async () => {
    const upper = `0x${address.erc721.slice(2).toUpperCase()}`;
    const viaUpper = await api.get(`/nfts/${CHAIN_ID}/${upper}/1`);
    expect(viaUpper.status).toBe(200);
    expect(viaUpper.body.value.contract).toBe(address.erc721);
    expect((await api.get(`/api/nfts/${CHAIN_ID}/${address.erc721}/1`)).status).toBe(200);
    expect((await api.get(`/nfts/${CHAIN_ID}/${address.erc721}/0001`)).body.value.tokenId).toBe(
      '1',
    );
    for (const path of [
      `/nfts/${CHAIN_ID}/${address.erc721}/${MAX_UINT256 + 1n}`,
      `/nfts/${CHAIN_ID}/${address.erc721}/-1`,
      `/nfts/${CHAIN_ID}/${address.erc721}/0x1`,
      `/nfts/${CHAIN_ID}/0x1234/1`,
      `/nfts/0/${address.erc721}/1`,
      `/nfts/abc/${address.erc721}/1`,
    ]) {
      const response = await api.get(path);
      expect(response.status, path).toBe(400);
      expect(response.body.error.code, path).toBe('HTTP_ERROR');
    }
    const unseen = await api.get(`/nfts/1/${address.erc721}/1`);
    expect(unseen.status).toBe(404);
    expect(unseen.body).toEqual({
      ok: false,
      error: { code: 'HTTP_ERROR', message: 'NFT not found' },
    });
  });

  it('finds nothing new in a run with no new blocks', async () => {
    const before = await cursor();
    const report = await scrape();
    expect(report.chains[0]).toMatchObject({ windows: 0, tokens: 0, caughtUp: true });
    expect((await cursor())?.next).toBe(before?.next);
  });

  it('reads metadata stored here from the carpark, not the gateway', async () => {
    const { token } = await createTestToken(stack, 'minter');
    const upload = await api.post('/upload', {
      token,
      headers: { 'content-type': 'text/plain' },
      body: json({ name: 'Stored here', image: `ipfs://${elsewhere}/here.png` }),
    });
    expect(upload.status).toBe(200);
    const stored = upload.body.value.cid as string;
    await send(A.TestERC721, address.erc721, 'mint', [owner, 30n, `ipfs://${stored}`]);
    await scrape();
    expect(cidsOf(await nft(address.erc721, 30n))).toEqual([
      { cid: stored, path: '', source: 'uri' },
      { cid: elsewhere.toString(), path: '/here.png', source: 'metadata' },
    ]);
    expect(gateway.requests.some((path) => path.includes(stored))).toBe(false);
    const pinned = (await nft(address.erc721, 30n)).cids[0].pin;
    expect(pinned).toEqual({ status: 'pinned', size: expect.any(Number) });
  });

  it('re-reads a refreshed URI and keeps the old one, with its CIDs, as history', async () => {
    await send(A.TestERC721, address.erc721, 'setTokenURI', [1n, `ipfs://${dir}/1-revealed.json`]);
    await scrape();
    const one = await nft(address.erc721, 1n);
    expect(one.tokenURI).toBe(`ipfs://${dir}/1-revealed.json`);
    expect(cidsOf(one)).toEqual([
      { cid: dir, path: '/1-revealed.json', source: 'uri' },
      { cid: elsewhere.toString(), path: '/revealed.png', source: 'metadata' },
    ]);
    expect(one.history).toEqual([
      expect.objectContaining({
        tokenURI: uriOf('1'),
        cids: expect.arrayContaining([{ cid: img, path: '', source: 'metadata' }]),
      }),
    ]);

    // A base changed silently is seen only when the collection announces a batch refresh.
    await send(A.BulkERC721, address.bulk, 'setBase', [`ipfs://${img}/`]);
    await scrape();
    expect((await nft(address.bulk, 2n)).tokenURI).toBe(`ipfs://${dir}/bulk/2`);
    await send(A.BulkERC721, address.bulk, 'refresh', [0n, MAX_UINT256]);
    const report = await scrape();
    expect(report.chains[0]?.written).toBe(3);
    const two = await nft(address.bulk, 2n);
    expect(two.tokenURI).toBe(`ipfs://${img}/2`);
    expect(two.history?.[0]?.tokenURI).toBe(`ipfs://${dir}/bulk/2`);
  });

  it('re-reads from the fork point after a reorg', async () => {
    const snapshot = await chain.request<string>('evm_snapshot');
    await send(A.TestERC721, address.erc721, 'mint', [owner, 100n, `ipfs://${dir}/100.json`]);
    const orphan = await chain.request<{ number: string; hash: string }>('eth_getBlockByNumber', [
      'latest',
      false,
    ]);
    await scrape();
    expect((await nft(address.erc721, 100n)).tokenURI).toBe(`ipfs://${dir}/100.json`);

    expect(await chain.request('evm_revert', [snapshot])).toBe(true);
    await send(A.TestERC721, address.erc721, 'mint', [owner, 101n, `ipfs://${dir}/101.json`]);
    const replacement = await chain.request<{ number: string; hash: string }>(
      'eth_getBlockByNumber',
      ['latest', false],
    );
    expect(replacement.number).toBe(orphan.number);
    expect(replacement.hash).not.toBe(orphan.hash);

    const report = await scrape();
    expect(report.chains[0]?.reorgFrom).toBeLessThanOrEqual(Number(orphan.number));
    expect((await nft(address.erc721, 101n)).tokenURI).toBe(`ipfs://${dir}/101.json`);
    const recent = (await cursor())?.recent as { to: number; hash: string }[];
    expect(recent.at(-1)).toMatchObject({ to: Number(replacement.number), hash: replacement.hash });
  });

  it('shrinks its window for a provider that refuses large ranges or results, and grows it back', async () => {
    // Mints spread over many blocks.
    for (let id = 200n; id < 206n; id++) {
      await chain.request('hardhat_mine', ['0x9']);
      await send(A.TestERC721, address.erc721, 'mint', [owner, id, `ipfs://${dir}/${id}.json`]);
    }
    const from = rpc.logRanges.length;
    rpc.setLogsPolicy({ maxBlockRange: 8, style: 'infura' });
    const byRange = await scrape();
    expect(byRange.chains[0]).toMatchObject({ caughtUp: true });
    expect(byRange.chains[0]?.refusals).toBeGreaterThan(0);
    const asked = rpc.logRanges.slice(from);
    // Refused while over 8 blocks, then every accepted range fits.
    expect(asked.some((range) => range.to - range.from + 1 > 8)).toBe(true);
    expect((await nft(address.erc721, 205n)).tokenURI).toBe(`ipfs://${dir}/205.json`);

    for (let id = 210n; id < 216n; id++) {
      await send(A.TestERC721, address.erc721, 'mint', [owner, id, `ipfs://${dir}/${id}.json`]);
    }
    rpc.setLogsPolicy({ maxResults: 3, style: 'alchemy' });
    const byResults = await scrape();
    expect(byResults.chains[0]?.refusals).toBeGreaterThan(0);
    expect(byResults.chains[0]?.caughtUp).toBe(true);
    for (let id = 210n; id < 216n; id++) {
      expect((await nft(address.erc721, id)).uriStatus).toBe('ipfs');
    }
    rpc.setLogsPolicy({});
    // Accepted windows let the next ones grow back towards windowBlocks.
    const shrunk = (await cursor())?.window as number;
    await chain.request('hardhat_mine', ['0x40']);
    await scrape();
    expect((await cursor())?.window).toBeGreaterThan(shrunk);
  });

  it('records a failed metadata read with its reason and reads it again later, until a limit', async () => {
    // Content no earlier token pinned (pinned content is read from the carpark, not fetched).
    const late = await gateway.addDirectory({ 'max.json': json({ name: 'Max, late' }) });
    gateway.setFault((path) =>
      path.startsWith(`/ipfs/${late}`) ? { kind: 'status', status: 503 } : undefined,
    );
    await send(A.TestERC721, address.erc721, 'mint', [owner, 300n, `ipfs://${late}/max.json`]);
    await scrape();
    expect(await nft(address.erc721, 300n)).toMatchObject({
      metadataStatus: 'retrying',
      metadataReason: expect.stringMatching(/HTTP 503/),
    });
    gateway.setFault(undefined);
    await new Promise((resolve) => setTimeout(resolve, 1100));
    await scrape();
    expect(await nft(address.erc721, 300n)).toMatchObject({ metadataStatus: 'fetched' });

    // Token 5's metadata never appears: after METADATA_ATTEMPTS (3) failed reads it is final.
    for (let waited = 0; (await nft(address.erc721, 5n)).metadataStatus === 'retrying'; ) {
      expect(waited++).toBeLessThan(6);
      await new Promise((resolve) => setTimeout(resolve, 2000));
      await scrape();
    }
    expect(await nft(address.erc721, 5n)).toMatchObject({
      metadataStatus: 'failed',
      metadataReason: expect.stringMatching(/^gave up after 3 attempts/),
    });
  });

  it('never runs twice at once: a run while another holds the lease does nothing', async () => {
    rpc.setFault((request) =>
      request.method === 'eth_getLogs' ? { kind: 'delay', ms: 8000 } : undefined,
    );
    await send(A.TestERC721, address.erc721, 'mint', [owner, 400n, `ipfs://${dir}/400.json`]);
    const logsBefore = rpc.calls.eth_getLogs ?? 0;
    const first = scrape();
    // Once the first run is scanning, it holds the lease.
    while ((rpc.calls.eth_getLogs ?? 0) === logsBefore) {
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    const second = await scrape();
    expect(second).toEqual({ skipped: 'another scraper run holds the lease' });
    rpc.setFault(undefined);
    expect((await first).chains[0]?.caughtUp).toBe(true);
    expect((await nft(address.erc721, 400n)).uriStatus).toBe('ipfs');
  });
});
