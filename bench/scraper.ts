/**
 * The chain scraper against a real EVM (EDR behind HTTP JSON-RPC, as in the tests) and the
 * local stack in its own process, as `npm start` runs it:
 * - tokens per second scraped from 10,000 fresh ERC-721 mints (logs read, every tokenURI read
 *   through Multicall3, CIDs found and requested, tokens recorded, the cursor moved), next to
 *   raw eth_getLogs throughput of the same node over the same blocks (target 0.3x);
 * - what the scan is made of, each next to the same baseline (informational): the URI reads
 *   alone (aggregate3 calls of the same node, answers decoded), their floor (the node executing
 *   the same aggregate3 calls, answers unread), and the token writes alone (the same records in
 *   pages, to the same emulator: contiguous ids, so full pages, the best case).
 * Each step mints its own 10,000 tokens (untimed) so every scan sees tokens for the first time.
 */
import { DeleteCommand } from '@aws-sdk/lib-dynamodb';
import { dynamoNftStore } from '../lambdas/adapters/dynamodb/nfts.ts';
import { dynamoAskedPinStore } from '../lambdas/adapters/dynamodb/scraped-pins.ts';
import { dynamoCursorStore } from '../lambdas/adapters/dynamodb/scraper-state.ts';
import { jsonRpc } from '../lambdas/adapters/rpc/json-rpc.ts';
import { chainKeys } from '../lambdas/codecs/chain-keys.ts';
import { chunksOf, mapLimit } from '../lambdas/core/chain/concurrency.ts';
import { NFT_TOPICS } from '../lambdas/core/chain/events.ts';
import { scraperPinRequester } from '../lambdas/core/chain/pin-requests.ts';
import {
  aggregate3CallData,
  MULTICALL3,
  READ_OPTIONS,
  readUris,
} from '../lambdas/core/chain/reads.ts';
import { scanChain } from '../lambdas/core/chain/scan.ts';
import type { NftRecord } from '../lambdas/core/ports.ts';
import { createClients } from '../lambdas/shared/clients.ts';
import { loadConfig, resource } from '../lambdas/shared/config.ts';
import { pinByCidPorts, systemClock } from '../lambdas/shared/wiring.ts';
import { contracts, deployer, installMulticall3 } from '../test/support/chain/contracts.ts';
import { createEdrChain } from '../test/support/chain/edr.ts';
import { startRpcServer } from '../test/support/chain/rpc-server.ts';
import { type BenchModule, type BenchRow, measurePair, throughputRow } from './harness.ts';
import { startStackProcess } from './stack-process.ts';

const TOKENS = 10_000;
const PER_TRANSACTION = 100;
const WINDOW_BLOCKS = 2000;
const CHAIN_ID = 31337;
const BASE = 'ipfs://bafybeigdyrzt5sfp7udm7hu76uh7y26nf3efuylqabf3oclgtqy55fbzdi/';

async function run(): Promise<BenchRow[]> {
  const chain = await createEdrChain({ chainId: CHAIN_ID });
  const server = await startRpcServer(chain);
  const stack = await startStackProcess();
  try {
    Object.assign(process.env, stack.env);
    const config = loadConfig();
    const clients = createClients(config);
    const table = { client: clients.dynamo, tableName: resource(config, 'table') };
    const ports = {
      nfts: dynamoNftStore(table),
      cursors: dynamoCursorStore(table),
      pins: scraperPinRequester({
        ...pinByCidPorts(config, clients),
        asked: dynamoAskedPinStore(table),
      }),
      clock: systemClock,
    };
    const rpc = jsonRpc(server.url);
    const { BulkERC721 } = await contracts();
    await installMulticall3(chain);
    const tx = deployer(chain);

    /** A fresh collection of TOKENS mints; the cursor starts at its first block. */
    const mintCollection = async () => {
      const contract = (await tx.deploy(BulkERC721, [BASE])).toLowerCase();
      const first = Number(BigInt(await chain.request<string>('eth_blockNumber'))) + 1;
      for (let id = 0; id < TOKENS; id += PER_TRANSACTION) {
        await tx.send(BulkERC721, contract, 'mintRange', [
          chain.accounts[0],
          BigInt(id),
          BigInt(PER_TRANSACTION),
        ]);
      }
      const last = Number(BigInt(await chain.request<string>('eth_blockNumber')));
      await clients.dynamo.send(
        new DeleteCommand({ TableName: table.tableName, Key: chainKeys.chainCursor(CHAIN_ID) }),
      );
      return { contract, first, last };
    };

    const readsOf = (contract: string) =>
      Array.from({ length: TOKENS }, (_, id) => ({
        contract,
        tokenId: BigInt(id),
        standard: 'erc721' as const,
      }));

    const setting = (first: number) => ({
      chainId: CHAIN_ID,
      rpcUrl: server.url,
      startBlock: first,
      confirmations: 0,
      windowBlocks: WINDOW_BLOCKS,
    });

    /** Raw eth_getLogs over the same blocks, in the same windows, the answer parsed. */
    const rawLogs = async ({ first, last }: { first: number; last: number }) => {
      let logs = 0;
      for (let from = first; from <= last; from += WINDOW_BLOCKS) {
        const to = Math.min(last, from + WINDOW_BLOCKS - 1);
        logs += (await rpc.logs({ fromBlock: from, toBlock: to, topic0: NFT_TOPICS })).length;
      }
      if (logs !== TOKENS) throw new Error(`expected ${TOKENS} logs, got ${logs}`);
    };

    const rows: BenchRow[] = [];
    const scan = await measurePair(
      async (collection) => {
        const report = await scanChain(setting(collection.first), rpc, ports, Date.now() + 600_000);
        if (report.written !== TOKENS || !report.caughtUp) {
          throw new Error(`scan recorded ${report.written} tokens: ${report.stopped ?? ''}`);
        }
      },
      rawLogs,
      { warmup: 1, iterations: 3, prepare: mintCollection },
    );
    const perSecond = (ms: number) => TOKENS / (ms / 1000);
    const baseline = {
      name: 'raw eth_getLogs, same node and blocks',
      value: perSecond(scan.baseline.medianMs),
    };
    rows.push(
      throughputRow({
        name: `scan of ${TOKENS} ERC-721 mints`,
        value: perSecond(scan.task.medianMs),
        unit: 'tokens/s',
        baseline,
        target: 0.3,
      }),
    );

    // What the scan is made of, each measured against the same baseline.
    const reads = await measurePair(
      async ({ contract, last }) => {
        const answers = await readUris(rpc, readsOf(contract), last, true);
        if (answers.length !== TOKENS) throw new Error('missing answers');
      },
      rawLogs,
      { warmup: 0, iterations: 3, prepare: mintCollection },
    );
    // The floor the reads set: the node executing the same aggregate3 calls, answers unread.
    const calls = await measurePair(
      async ({ batches, last }) => {
        await mapLimit(batches, READ_OPTIONS.concurrency, (data: string) =>
          rpc.call(MULTICALL3, data, last),
        );
      },
      rawLogs,
      {
        warmup: 0,
        iterations: 3,
        prepare: async () => {
          const collection = await mintCollection();
          const batches = chunksOf(readsOf(collection.contract), READ_OPTIONS.batchSize);
          return { ...collection, batches: batches.map(aggregate3CallData) };
        },
      },
    );
    rows.push(
      throughputRow({
        name: 'of which: tokenURI reads through Multicall3',
        value: perSecond(reads.task.medianMs),
        unit: 'tokens/s',
        baseline: { ...baseline, value: perSecond(reads.baseline.medianMs) },
      }),
    );
    rows.push(
      throughputRow({
        name: 'floor: the node executing those aggregate3 calls alone',
        value: perSecond(calls.task.medianMs),
        unit: 'tokens/s',
        baseline: { ...baseline, value: perSecond(calls.baseline.medianMs) },
      }),
    );
    let batch = 0;
    const writes = await measurePair(
      async (records: NftRecord[]) => ports.nfts.putMany(records),
      async () => {},
      {
        warmup: 0,
        iterations: 3,
        prepare: () => {
          const chainId = 1_000_000 + batch++;
          return Array.from(
            { length: TOKENS },
            (_, id): NftRecord => ({
              chainId,
              contract: '0x00000000000000000000000000000000000000aa',
              tokenId: String(id),
              standard: 'erc721',
              tokenURI: `${BASE}${id}`,
              uriStatus: 'ipfs',
              metadataStatus: 'pending',
              metadataAttempts: 0,
              metadataDue: new Date().toISOString(),
              cids: [{ cid: BASE.slice(7, -1), path: `/${id}`, source: 'uri' }],
              firstBlock: 1,
              updated: new Date().toISOString(),
            }),
          );
        },
      },
    );
    rows.push(
      throughputRow({
        name: 'of which: token writes to DynamoDB (emulator)',
        value: perSecond(writes.task.medianMs),
        unit: 'tokens/s',
        baseline,
      }),
    );
    clients.destroy();
    return rows;
  } finally {
    await stack.stop();
    await server.close();
  }
}

export const scraperBench: BenchModule = { name: 'scraper', run };
