/** The JSON-RPC adapter against a real EVM over HTTP, the provider's failures included. */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { jsonRpc } from '../../lambdas/adapters/rpc/json-rpc.ts';
import { NFT_TOPICS } from '../../lambdas/core/chain/events.ts';
import { callDataOf, hasMulticall3, readUris } from '../../lambdas/core/chain/reads.ts';
import { RpcFailure } from '../../lambdas/core/chain/rpc-errors.ts';
import { contracts, deployer, installMulticall3 } from '../support/chain/contracts.ts';
import { createEdrChain, type EdrChain } from '../support/chain/edr.ts';
import { type RpcServer, startRpcServer } from '../support/chain/rpc-server.ts';

let chain: EdrChain;
let server: RpcServer;
let nft: string;

beforeAll(async () => {
  chain = await createEdrChain({ chainId: 1337 });
  server = await startRpcServer(chain);
  const { TestERC721 } = await contracts();
  const tx = deployer(chain);
  nft = (await tx.deploy(TestERC721)).toLowerCase();
  await tx.send(TestERC721, nft, 'mint', [chain.accounts[0], 1n, 'ipfs://one']);
}, 120_000);

afterAll(async () => {
  await server?.close();
});

const failureOf = async (work: Promise<unknown>) => {
  const error = await work.catch((e: unknown) => e);
  if (!(error instanceof RpcFailure)) throw new Error(`expected an RpcFailure, got ${error}`);
  return error;
};

describe('jsonRpc', () => {
  it('reads the chain: id, head, block hashes, logs, calls and code', async () => {
    const rpc = jsonRpc(server.url);
    expect(await rpc.chainId()).toBe(1337);
    const head = await rpc.blockNumber();
    expect(await rpc.blockHash(head)).toMatch(/^0x[0-9a-f]{64}$/);
    expect(await rpc.blockHash(head + 100)).toBeUndefined();
    const logs = await rpc.logs({
      fromBlock: 0,
      toBlock: head,
      topic0: NFT_TOPICS,
      addresses: [nft],
    });
    expect(logs.map((log) => log.topics.length)).toEqual([4, 1]);
    expect(logs[0]).toMatchObject({ address: nft, blockNumber: head, logIndex: 0 });
    const answer = await rpc.call(
      nft,
      callDataOf({ contract: nft, tokenId: 1n, standard: 'erc721' }),
      head,
    );
    expect(answer).toMatch(/^0x/);
    expect(await rpc.code(nft, head)).not.toBe('0x');
  });

  it('reads token URIs the same through Multicall3 and one call each, reverts included', async () => {
    const rpc = jsonRpc(server.url);
    const reads = [1n, 9n, 1n].map((tokenId) => ({
      contract: nft,
      tokenId,
      standard: 'erc721' as const,
    }));
    const head = await rpc.blockNumber();
    expect(await hasMulticall3(rpc, head)).toBe(false);
    const single = await readUris(rpc, reads, head, false);
    await installMulticall3(chain);
    expect(await hasMulticall3(rpc, head)).toBe(true);
    const batched = await readUris(rpc, reads, head, true, { batchSize: 2, concurrency: 2 });
    expect(batched).toEqual(single);
    expect(single).toEqual([
      { kind: 'uri', uri: 'ipfs://one' },
      { kind: 'reverted', reason: expect.stringMatching(/^reverted with 0x7e273289/) },
      { kind: 'uri', uri: 'ipfs://one' },
    ]);
    // tokenURI of an address with no code: an empty answer, not a URI.
    const nobody = await readUris(
      rpc,
      [{ contract: `0x${'12'.repeat(20)}`, tokenId: 1n, standard: 'erc721' }],
      head,
      true,
    );
    expect(nobody).toEqual([{ kind: 'invalid', reason: 'the call returned nothing' }]);
  });

  it('reports a revert with its data', async () => {
    const rpc = jsonRpc(server.url);
    const failure = await failureOf(
      rpc.call(
        nft,
        callDataOf({ contract: nft, tokenId: 9n, standard: 'erc721' }),
        await rpc.blockNumber(),
      ),
    );
    expect(failure.kind).toBe('reverted');
    expect(failure.details.revertData?.slice(0, 10)).toBe('0x7e273289');
  });

  it('classifies refusals, throttling and unreachable endpoints', async () => {
    const rpc = jsonRpc(server.url);
    server.setLogsPolicy({ maxBlockRange: 1, style: 'infura' });
    expect((await failureOf(rpc.logs({ fromBlock: 0, toBlock: 5, topic0: NFT_TOPICS }))).kind).toBe(
      'refused',
    );
    server.setLogsPolicy({});
    server.setFault(() => ({ kind: 'http', status: 429 }));
    expect((await failureOf(rpc.blockNumber())).kind).toBe('transient');
    server.setFault(undefined);
    const closed = jsonRpc('http://127.0.0.1:9');
    expect((await failureOf(closed.blockNumber())).kind).toBe('transient');
  });

  it('times out a provider that does not answer', async () => {
    server.setFault(() => ({ kind: 'delay', ms: 2000 }));
    const failure = await failureOf(jsonRpc(server.url, { timeoutMs: 200 }).blockNumber());
    server.setFault(undefined);
    expect(failure).toMatchObject({
      kind: 'transient',
      message: 'eth_blockNumber: no answer (TimeoutError)',
    });
  });

  it('sends credentials in the URL as basic auth, and never quotes the URL', async () => {
    let authorization: string | undefined;
    const proxy = createServer(async (req, res) => {
      authorization = req.headers.authorization;
      const chunks: Buffer[] = [];
      for await (const chunk of req) chunks.push(chunk as Buffer);
      const upstream = await fetch(server.url, { method: 'POST', body: Buffer.concat(chunks) });
      res.writeHead(upstream.status, { 'content-type': 'application/json' });
      res.end(Buffer.from(await upstream.arrayBuffer()));
    });
    await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
    const { port } = proxy.address() as AddressInfo;
    try {
      const rpc = jsonRpc(`http://user:s%3Acret@127.0.0.1:${port}/v3/key123`);
      expect(await rpc.chainId()).toBe(1337);
      expect(authorization).toBe(`Basic ${Buffer.from('user:s:cret').toString('base64')}`);
      const failure = await failureOf(jsonRpc('http://127.0.0.1:9/v3/key123').chainId());
      expect(failure.message).not.toMatch(/key123/);
    } finally {
      await new Promise((resolve) => proxy.close(resolve));
    }
  });
});
