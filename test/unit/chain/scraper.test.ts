/**
 * The scraper's core with in-memory ports and a scripted chain: what one run does and, above
 * all, what it never does — run twice at once, move a cursor another run moved, advance past
 * a window whose CIDs were not requested, or give up on a chain because another failed.
 */
import { describe, expect, it } from 'vitest';
import { fetchDueMetadata, retryDelaySeconds } from '../../../lambdas/core/chain/fetch-metadata.ts';
import { RpcFailure } from '../../../lambdas/core/chain/rpc-errors.ts';
import { runScraper, type ScraperChain } from '../../../lambdas/core/chain/scraper.ts';
import { MAX_TOKENS_PER_EVENT } from '../../../lambdas/core/chain/tokens.ts';
import type { MetadataSource } from '../../../lambdas/core/ports.ts';
import { err, ok } from '../../../lambdas/core/result.ts';
import type { ChainSetting } from '../../../system/settings.ts';
import { consecutive, FakeChain, metadataUpdate, mint721 } from '../../support/fake-chain.ts';
import {
  FakeClock,
  FakeCursorStore,
  FakeLeaseStore,
  FakeNftStore,
  FakePinRequester,
  failNext,
  InjectedFailure,
} from '../../support/fakes.ts';

const NFT = '0x00000000000000000000000000000000000000aa';
const DIR = 'bafybeigdyrzt5sfp7udm7hu76uh7y26nf3efuylqabf3oclgtqy55fbzdi';
const IMAGE = 'bafkreiff347546zabq72e6iritd6axc4fphnjrvnqy6tuthxnslsyfys7e';
const SETTINGS = { METADATA_RETRY_SECONDS: 60, METADATA_ATTEMPTS: 3 };

const setting = (overrides: Partial<ChainSetting> = {}): ChainSetting => ({
  chainId: 1,
  rpcUrl: 'http://rpc.invalid',
  startBlock: 0,
  confirmations: 0,
  windowBlocks: 100,
  ...overrides,
});

function world(
  metadata: MetadataSource = {
    read: async () => err({ reason: 'unavailable', message: 'offline' }),
  },
) {
  const clock = new FakeClock();
  const ports = {
    nfts: new FakeNftStore(),
    cursors: new FakeCursorStore(),
    leases: new FakeLeaseStore(),
    pins: new FakePinRequester(),
    metadata,
    clock,
  };
  const run = (
    chains: ScraperChain[],
    runId = 'run-1',
    deadline = clock.now().getTime() + 60_000,
  ) => runScraper(ports, chains, SETTINGS, { runId, deadline, leaseSeconds: 360 });
  return { ports, clock, run };
}

const report = (result: Awaited<ReturnType<ReturnType<typeof world>['run']>>) => {
  if ('skipped' in result) throw new Error(result.skipped);
  return result;
};

describe('runScraper', () => {
  it('records minted tokens, requests their CIDs and moves the cursor past them', async () => {
    const { ports, run } = world();
    const chain = new FakeChain();
    chain.uris.set(`${NFT}#1`, `ipfs://${DIR}/1.json`);
    chain.mine(3, [[], [mint721(NFT, 1n)]]);
    const result = report(await run([{ setting: setting(), rpc: chain }]));
    expect(result.chains[0]).toMatchObject({
      tokens: 1,
      written: 1,
      pinRequests: 1,
      caughtUp: true,
    });
    expect([...ports.pins.requested.keys()]).toEqual([DIR]);
    expect(ports.pins.requested.get(DIR)).toMatchObject({
      name: `NFT 1/${NFT}/1`,
      meta: { chainId: '1', contract: NFT, tokenId: '1', source: 'uri' },
    });
    expect((await ports.cursors.get(1))?.next).toBe(4);
    expect(await ports.nfts.get({ chainId: 1, contract: NFT, tokenId: 1n })).toMatchObject({
      firstBlock: 2,
      metadataStatus: 'retrying',
      metadataReason: 'offline',
    });
  });

  it('does nothing while another run holds the lease, and gives its own lease back', async () => {
    const { ports, run } = world();
    const chain = new FakeChain();
    chain.mine(2);
    await ports.leases.acquire('scraper', 'someone-else', new Date(), 360);
    expect(await run([{ setting: setting(), rpc: chain }])).toEqual({
      skipped: 'another scraper run holds the lease',
    });
    expect(chain.calls.eth_blockNumber).toBeUndefined();
    await ports.leases.release('scraper', 'someone-else');
    report(await run([{ setting: setting(), rpc: chain }]));
    expect(ports.leases.leases.size).toBe(0);
  });

  it('gives the lease back when the run fails', async () => {
    const { ports, run } = world();
    const chain = new FakeChain();
    chain.mine(2, [[mint721(NFT, 1n)]]);
    chain.uris.set(`${NFT}#1`, `ipfs://${DIR}`);
    failNext(ports.nfts, 'putMany');
    await expect(run([{ setting: setting(), rpc: chain }])).rejects.toThrow(InjectedFailure);
    expect(ports.leases.leases.size).toBe(0);
  });

  it('requests CIDs before recording tokens, and records before moving the cursor', async () => {
    const { ports, run } = world();
    const chain = new FakeChain();
    chain.uris.set(`${NFT}#1`, `ipfs://${DIR}/1.json`);
    chain.mine(1, [[mint721(NFT, 1n)]]);
    // A crash after the pin request: the window is not counted, and the next run repeats it.
    failNext(ports.nfts, 'putMany');
    await expect(run([{ setting: setting(), rpc: chain }], 'run-1')).rejects.toThrow(
      InjectedFailure,
    );
    expect(ports.pins.requested.has(DIR)).toBe(true);
    expect(await ports.cursors.get(1)).toBeUndefined();
    // A crash after the records, before the cursor: the repeat writes nothing new.
    failNext(ports.cursors, 'save');
    await expect(run([{ setting: setting(), rpc: chain }], 'run-2')).rejects.toThrow(
      InjectedFailure,
    );
    expect(await ports.nfts.get({ chainId: 1, contract: NFT, tokenId: 1n })).toBeDefined();
    const third = report(await run([{ setting: setting(), rpc: chain }], 'run-3'));
    expect(third.chains[0]).toMatchObject({ tokens: 1, written: 0, caughtUp: true });
    expect((await ports.cursors.get(1))?.next).toBe(2);
  });

  it('stops when another writer moved the cursor, scanning no window twice', async () => {
    const { ports, run } = world();
    const chain = new FakeChain();
    chain.mine(30);
    const save = ports.cursors.save.bind(ports.cursors);
    // Another run moves the cursor right after this run read it.
    let raced = false;
    ports.cursors.save = async (cursor, expected) => {
      if (!raced) {
        raced = true;
        await save({ ...cursor, next: 999 }, expected);
      }
      return save(cursor, expected);
    };
    const result = report(await run([{ setting: setting({ windowBlocks: 10 }), rpc: chain }]));
    expect(result.chains[0]).toMatchObject({ windows: 0, stopped: 'another run moved the cursor' });
    expect((await ports.cursors.get(1))?.next).toBe(999);
  });

  it('stays `confirmations` behind the head', async () => {
    const { ports, run } = world();
    const chain = new FakeChain();
    chain.mine(20);
    report(await run([{ setting: setting({ confirmations: 12 }), rpc: chain }]));
    expect((await ports.cursors.get(1))?.next).toBe(9);
  });

  it('re-reads from the fork point when the last block scanned is no longer on the chain', async () => {
    const { ports, run } = world();
    const chain = new FakeChain();
    chain.uris.set(`${NFT}#1`, `ipfs://${DIR}/1.json`);
    chain.uris.set(`${NFT}#2`, `ipfs://${DIR}/2.json`);
    chain.mine(10);
    report(await run([{ setting: setting({ windowBlocks: 5 }), rpc: chain }]));
    chain.mine(5, [[], [], [mint721(NFT, 1n)]]);
    report(await run([{ setting: setting({ windowBlocks: 5 }), rpc: chain }]));
    chain.reorg(13, [mint721(NFT, 2n)]);
    const result = report(await run([{ setting: setting({ windowBlocks: 5 }), rpc: chain }]));
    // Windows 0-4, 5-9 and 10-10 still stand; 11-15 does not.
    expect(result.chains[0]?.reorgFrom).toBe(11);
    expect(await ports.nfts.get({ chainId: 1, contract: NFT, tokenId: 2n })).toBeDefined();
    expect((await ports.cursors.get(1))?.recent.at(-1)).toMatchObject({
      to: 15,
      hash: chain.hashes.get(15),
    });
  });

  it('rewinds to the oldest window it remembers when none is on the chain any more', async () => {
    const { ports, run } = world();
    const chain = new FakeChain();
    chain.mine(10);
    report(await run([{ setting: setting({ startBlock: 3, windowBlocks: 4 }), rpc: chain }]));
    chain.reorg(1);
    const result = report(
      await run([{ setting: setting({ startBlock: 3, windowBlocks: 4 }), rpc: chain }]),
    );
    expect(result.chains[0]?.reorgFrom).toBe(3);
    expect(result.chains[0]?.caughtUp).toBe(true);
    expect((await ports.cursors.get(1))?.next).toBe(11);
  });

  it('halves its window while the provider refuses, then grows it back', async () => {
    const { ports, run } = world();
    const chain = new FakeChain();
    chain.mine(100);
    chain.maxRange = 10;
    const result = report(await run([{ setting: setting({ windowBlocks: 80 }), rpc: chain }]));
    // 80, 40, 20 refused before 10 is taken; later windows probe 20 now and then.
    expect(result.chains[0]).toMatchObject({ caughtUp: true });
    expect(result.chains[0]?.refusals).toBeGreaterThanOrEqual(3);
    expect((await ports.cursors.get(1))?.next).toBe(101);
    // Once the provider takes more, the window doubles per window up to windowBlocks.
    chain.maxRange = Number.POSITIVE_INFINITY;
    chain.mine(500);
    report(await run([{ setting: setting({ windowBlocks: 80 }), rpc: chain }], 'run-2'));
    expect((await ports.cursors.get(1))?.window).toBe(80);
  });

  it('a chain whose endpoint keeps failing is reported; the others are still scanned', async () => {
    const { ports, run } = world();
    const broken = new FakeChain(1);
    broken.mine(5);
    broken.fail('eth_getLogs', new RpcFailure('failed', 'eth_getLogs: HTTP 401'));
    const healthy = new FakeChain(2);
    healthy.mine(5);
    const result = report(
      await run([
        { setting: setting(), rpc: broken },
        { setting: setting({ chainId: 2 }), rpc: healthy },
      ]),
    );
    expect(result.chains[0]).toMatchObject({
      chainId: 1,
      caughtUp: false,
      stopped: 'eth_getLogs: HTTP 401',
    });
    expect(result.chains[1]).toMatchObject({ chainId: 2, caughtUp: true });
    expect(await ports.cursors.get(1)).toBeUndefined();
  });

  it('refuses to scan an endpoint that serves another chain', async () => {
    const { ports, run } = world();
    const chain = new FakeChain(5);
    chain.mine(5);
    const result = report(await run([{ setting: setting({ chainId: 1 }), rpc: chain }]));
    expect(result.chains[0]?.stopped).toBe('the RPC endpoint serves chain 5, not 1');
    expect(chain.calls.eth_getLogs).toBeUndefined();
    expect(await ports.cursors.get(1)).toBeUndefined();
  });

  it('stops starting windows when its time is up; the next run continues', async () => {
    const { ports, clock, run } = world();
    const chain = new FakeChain();
    chain.mine(50);
    const result = report(
      await run(
        [{ setting: setting({ windowBlocks: 10 }), rpc: chain }],
        'run-1',
        clock.now().getTime(),
      ),
    );
    expect(result.chains[0]?.stopped).toMatch(/time/);
    expect(await ports.cursors.get(1)).toBeUndefined();
    report(await run([{ setting: setting({ windowBlocks: 10 }), rpc: chain }], 'run-2'));
    expect((await ports.cursors.get(1))?.next).toBe(51);
  });

  it('scans only the allow-listed contracts', async () => {
    const { ports, run } = world();
    const chain = new FakeChain();
    const other = '0x00000000000000000000000000000000000000bb';
    chain.uris.set(`${NFT}#1`, 'ipfs://x');
    chain.uris.set(`${other}#1`, 'ipfs://x');
    chain.mine(1, [[mint721(NFT, 1n), mint721(other, 1n)]]);
    report(
      await run([
        { setting: setting({ contracts: [NFT.toUpperCase().replace('0X', '0x')] }), rpc: chain },
      ]),
    );
    expect(ports.nfts.records.size).toBe(1);
  });

  it('expands an ERC-2309 range up to its cap', async () => {
    const { ports, run } = world();
    const chain = new FakeChain();
    chain.mine(1, [[consecutive(NFT, 0n, BigInt(MAX_TOKENS_PER_EVENT) * 3n)]]);
    const result = report(await run([{ setting: setting(), rpc: chain }]));
    expect(result.chains[0]?.tokens).toBe(MAX_TOKENS_PER_EVENT);
    expect(ports.nfts.records.size).toBe(MAX_TOKENS_PER_EVENT);
    expect(await ports.nfts.get({ chainId: 1, contract: NFT, tokenId: 0n })).toMatchObject({
      uriStatus: 'reverted',
    });
  });

  it('re-reads a token on EIP-4906 MetadataUpdate, keeping the old URI in its history', async () => {
    const { ports, clock, run } = world();
    const chain = new FakeChain();
    chain.uris.set(`${NFT}#1`, `ipfs://${DIR}/hidden.json`);
    chain.mine(1, [[mint721(NFT, 1n)]]);
    report(await run([{ setting: setting(), rpc: chain }]));
    clock.advance(1000);
    chain.uris.set(`${NFT}#1`, `ipfs://${IMAGE}`);
    chain.mine(1, [[metadataUpdate(NFT, 1n)]]);
    report(await run([{ setting: setting(), rpc: chain }]));
    const token = await ports.nfts.get({ chainId: 1, contract: NFT, tokenId: 1n });
    expect(token?.tokenURI).toBe(`ipfs://${IMAGE}`);
    expect(token?.history).toEqual([
      {
        tokenURI: `ipfs://${DIR}/hidden.json`,
        cids: [{ cid: DIR, path: '/hidden.json', source: 'uri' }],
        replaced: clock.now().toISOString(),
      },
    ]);
    expect([...ports.pins.requested.keys()].sort()).toEqual([DIR, IMAGE].sort());
  });
});

describe('metadata', () => {
  const json = (value: unknown) => new TextEncoder().encode(JSON.stringify(value));

  it('reads each distinct root and path once, however many tokens share it', async () => {
    let reads = 0;
    const { ports, run } = world({
      read: async () => {
        reads++;
        return ok(json({ image: `ipfs://${IMAGE}` }));
      },
    });
    const chain = new FakeChain();
    for (let id = 1n; id <= 5n; id++)
      chain.uris.set(`${NFT}#${id}`, `ipfs://${DIR}/unrevealed.json`);
    chain.mine(1, [[1n, 2n, 3n, 4n, 5n].map((id) => mint721(NFT, id))]);
    const result = report(await run([{ setting: setting(), rpc: chain }]));
    expect(reads).toBe(1);
    expect(result.metadata).toMatchObject({ tokens: 5, reads: 1, fetched: 5, pinRequests: 1 });
    expect((await ports.nfts.get({ chainId: 1, contract: NFT, tokenId: 3n }))?.cids).toEqual([
      { cid: DIR, path: '/unrevealed.json', source: 'uri' },
      { cid: IMAGE, path: '', source: 'metadata' },
    ]);
  });

  it('backs off after failed reads, x4 each time, and gives up after METADATA_ATTEMPTS', async () => {
    expect([1, 2, 3, 4, 5, 6, 7, 8].map((n) => retryDelaySeconds(n, 60))).toEqual([
      60, 240, 960, 3840, 15360, 61440, 86400, 86400,
    ]);
    const { ports, clock } = world();
    await ports.nfts.putMany([
      {
        chainId: 1,
        contract: NFT,
        tokenId: '1',
        standard: 'erc721',
        tokenURI: `ipfs://${DIR}/1.json`,
        uriStatus: 'ipfs',
        metadataStatus: 'pending',
        metadataAttempts: 0,
        metadataDue: clock.now().toISOString(),
        cids: [{ cid: DIR, path: '/1.json', source: 'uri' }],
        firstBlock: 1,
        updated: clock.now().toISOString(),
      },
    ]);
    const key = { chainId: 1, contract: NFT, tokenId: 1n };
    const deadline = () => clock.now().getTime() + 1000;
    await fetchDueMetadata(ports, SETTINGS, deadline());
    expect(await ports.nfts.get(key)).toMatchObject({
      metadataStatus: 'retrying',
      metadataAttempts: 1,
      metadataDue: new Date(clock.now().getTime() + 60_000).toISOString(),
    });
    // Not due yet: nothing is read.
    expect((await fetchDueMetadata(ports, SETTINGS, deadline())).reads).toBe(0);
    clock.advance(60_000);
    await fetchDueMetadata(ports, SETTINGS, deadline());
    expect((await ports.nfts.get(key))?.metadataAttempts).toBe(2);
    clock.advance(240_000);
    await fetchDueMetadata(ports, SETTINGS, deadline());
    expect(await ports.nfts.get(key)).toMatchObject({
      metadataStatus: 'failed',
      metadataReason: 'gave up after 3 attempts: offline',
    });
    expect((await ports.nfts.get(key))?.metadataDue).toBeUndefined();
  });

  it('records content over the size cap, or that is not JSON, as final at once', async () => {
    const answers = new Map<string, Awaited<ReturnType<MetadataSource['read']>>>([
      ['/big', err({ reason: 'too-large' as const, message: 'over 1048576 bytes' })],
      ['/image', ok(new Uint8Array([0x89, 0x50]))],
    ]);
    const { ports, clock } = world({
      read: async (_cid, path) => answers.get(path) ?? err({ reason: 'unavailable', message: '?' }),
    });
    const base = {
      chainId: 1,
      contract: NFT,
      standard: 'erc721' as const,
      uriStatus: 'ipfs' as const,
      metadataStatus: 'pending' as const,
      metadataAttempts: 0,
      metadataDue: clock.now().toISOString(),
      firstBlock: 1,
      updated: clock.now().toISOString(),
    };
    await ports.nfts.putMany([
      {
        ...base,
        tokenId: '1',
        tokenURI: `ipfs://${DIR}/big`,
        cids: [{ cid: DIR, path: '/big', source: 'uri' }],
      },
      {
        ...base,
        tokenId: '2',
        tokenURI: `ipfs://${DIR}/image`,
        cids: [{ cid: DIR, path: '/image', source: 'uri' }],
      },
    ]);
    await fetchDueMetadata(ports, SETTINGS, clock.now().getTime() + 1000);
    expect(await ports.nfts.get({ chainId: 1, contract: NFT, tokenId: 1n })).toMatchObject({
      metadataStatus: 'failed',
      metadataReason: 'over 1048576 bytes',
    });
    expect(await ports.nfts.get({ chainId: 1, contract: NFT, tokenId: 2n })).toMatchObject({
      metadataStatus: 'not-json',
    });
  });
});
