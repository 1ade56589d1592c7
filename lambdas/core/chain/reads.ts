/**
 * Reading token URIs: `tokenURI(id)` (ERC-721) or `uri(id)` (ERC-1155) through eth_call,
 * batched through Multicall3's aggregate3 (each call allowed to fail) where the chain has it
 * deployed, one call each otherwise. A revert is the token's answer and is recorded; a
 * transient RPC failure is thrown, so the window is read again rather than recorded wrong.
 */
import { decodeAbiParameters, decodeFunctionResult, encodeFunctionData, parseAbi } from 'viem';
import type { ChainRpc, TokenStandard } from '../ports.ts';
import { chunksOf, mapLimit } from './concurrency.ts';
import { RpcFailure, revertReason } from './rpc-errors.ts';

/** Multicall3's address: the same on mainnet, its testnets and most other chains. */
export const MULTICALL3 = '0xca11bde05977b3631167028862be2a173976ca11';

const SELECTOR: Record<TokenStandard, string> = {
  erc721: 'c87b56dd', // tokenURI(uint256)
  erc1155: '0e89341c', // uri(uint256)
};

const AGGREGATE3 = parseAbi([
  'struct Call3 { address target; bool allowFailure; bytes callData; }',
  'struct Result { bool success; bytes returnData; }',
  'function aggregate3(Call3[] calls) payable returns (Result[] returnData)',
]);
const STRING = [{ type: 'string' }] as const;

export interface UriRead {
  contract: string;
  tokenId: bigint;
  standard: TokenStandard;
}

export type UriAnswer =
  | { kind: 'uri'; uri: string }
  | { kind: 'reverted'; reason: string }
  | { kind: 'invalid'; reason: string };

export interface ReadOptions {
  /** Calls per aggregate3 (a batch the provider refuses is split in halves). */
  batchSize: number;
  /** aggregate3 calls (or single calls) in flight at once. */
  concurrency: number;
}

export const READ_OPTIONS: ReadOptions = { batchSize: 100, concurrency: 4 };

export const callDataOf = (read: UriRead): `0x${string}` =>
  `0x${SELECTOR[read.standard]}${read.tokenId.toString(16).padStart(64, '0')}`;

/** The aggregate3 call reading every URI of the batch, each read allowed to fail. */
export const aggregate3CallData = (batch: readonly UriRead[]) =>
  encodeFunctionData({
    abi: AGGREGATE3,
    functionName: 'aggregate3',
    args: [
      batch.map((read) => ({
        target: read.contract as `0x${string}`,
        allowFailure: true,
        callData: callDataOf(read),
      })),
    ],
  });

/** An eth_call answer decoded as a string. */
export function decodeUri(returnData: string): UriAnswer {
  if (returnData === '0x') return { kind: 'invalid', reason: 'the call returned nothing' };
  try {
    const [uri] = decodeAbiParameters(STRING, returnData as `0x${string}`);
    return { kind: 'uri', uri };
  } catch {
    return { kind: 'invalid', reason: 'the answer is not an ABI string' };
  }
}

/** Whether Multicall3 is deployed on the chain at `block`. */
export async function hasMulticall3(rpc: ChainRpc, block: number): Promise<boolean> {
  return (await rpc.code(MULTICALL3, block)) !== '0x';
}

/** The URI answer of every read, in order. */
export async function readUris(
  rpc: ChainRpc,
  reads: readonly UriRead[],
  block: number,
  multicall: boolean,
  options: ReadOptions = READ_OPTIONS,
): Promise<UriAnswer[]> {
  if (!multicall)
    return mapLimit(reads, options.concurrency * 2, (read) => readOne(rpc, read, block));
  const answers = await mapLimit(chunksOf(reads, options.batchSize), options.concurrency, (batch) =>
    readBatch(rpc, batch, block),
  );
  return answers.flat();
}

async function readOne(rpc: ChainRpc, read: UriRead, block: number): Promise<UriAnswer> {
  try {
    return decodeUri(await rpc.call(read.contract, callDataOf(read), block));
  } catch (error) {
    if (error instanceof RpcFailure && error.kind === 'reverted') {
      return { kind: 'reverted', reason: revertReason(error.details.revertData) };
    }
    throw error;
  }
}

async function readBatch(rpc: ChainRpc, batch: UriRead[], block: number): Promise<UriAnswer[]> {
  if (batch.length === 1) return [await readOne(rpc, batch[0] as UriRead, block)];
  let results: readonly { success: boolean; returnData: `0x${string}` }[];
  try {
    const answer = await rpc.call(MULTICALL3, aggregate3CallData(batch), block);
    results = decodeFunctionResult({
      abi: AGGREGATE3,
      functionName: 'aggregate3',
      data: answer as `0x${string}`,
    });
    if (results.length !== batch.length)
      throw new RpcFailure('failed', 'aggregate3 answered a different number of results');
  } catch (error) {
    // Too much gas or data for one call on this provider: halve the batch. The halves go one
    // after the other, so an error that is not about size reaches a single call (and is
    // thrown from there) after a few requests, not after one per token.
    if (error instanceof RpcFailure && error.kind === 'transient') throw error;
    const half = Math.ceil(batch.length / 2);
    const first = await readBatch(rpc, batch.slice(0, half), block);
    return [...first, ...(await readBatch(rpc, batch.slice(half), block))];
  }
  return mapLimit(results, 8, async (result, i): Promise<UriAnswer> => {
    if (result.success) return decodeUri(result.returnData);
    // Without revert data the call may have run out of the batch's gas: ask it alone.
    if (result.returnData === '0x') return readOne(rpc, batch[i] as UriRead, block);
    return { kind: 'reverted', reason: revertReason(result.returnData) };
  });
}
