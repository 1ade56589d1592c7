/**
 * A scripted chain behind the ChainRpc port, for core tests: blocks with hashes, NFT logs in
 * them, token URIs answered (or reverted) by eth_call, no Multicall3. Reorgs are a new hash at a
 * height; failures are injected per method.
 */
import { encodeAbiParameters, pad } from 'viem';
import { TOPIC } from '../../lambdas/core/chain/events.ts';
import { RpcFailure } from '../../lambdas/core/chain/rpc-errors.ts';
import type { ChainLog, ChainRpc, LogFilter } from '../../lambdas/core/ports.ts';

const ZERO = pad('0x0', { size: 32 });
const HOLDER = pad('0x1', { size: 32 });
const word = (n: bigint) => pad(`0x${n.toString(16)}`, { size: 32 });

export class FakeChain implements ChainRpc {
  readonly id: number;
  head = 0;
  readonly hashes = new Map<number, string>();
  readonly logsByBlock = new Map<number, ChainLog[]>();
  /** tokenURI / uri answers by `${contract}#${tokenId}`; an Error reverts. */
  readonly uris = new Map<string, string | Error>();
  readonly calls: Record<string, number> = {};
  /** The next failures to throw, by method. */
  readonly failures = new Map<string, RpcFailure[]>();
  /** Largest eth_getLogs range accepted (refused above it). */
  maxRange = Number.POSITIVE_INFINITY;

  constructor(chainId = 1) {
    this.id = chainId;
    this.hashes.set(0, this.hashFor(0, 'a'));
  }

  private hashFor(n: number, fork: string) {
    return `0x${fork}${n.toString(16).padStart(63, '0')}`.slice(0, 66);
  }

  /** Adds blocks (empty unless given logs) up to `to`. */
  mine(count = 1, logs: Omit<ChainLog, 'blockNumber' | 'logIndex'>[][] = []) {
    for (let i = 0; i < count; i++) {
      this.head++;
      this.hashes.set(this.head, this.hashFor(this.head, 'a'));
      this.logsByBlock.set(
        this.head,
        (logs[i] ?? []).map((log, index) => ({ ...log, blockNumber: this.head, logIndex: index })),
      );
    }
    return this.head;
  }

  /** Replaces blocks from `height` on with a fork holding `logs` at `height`. */
  reorg(height: number, logs: Omit<ChainLog, 'blockNumber' | 'logIndex'>[] = []) {
    for (let n = height; n <= this.head; n++) {
      this.hashes.set(n, this.hashFor(n, 'b'));
      this.logsByBlock.set(n, []);
    }
    this.logsByBlock.set(
      height,
      logs.map((log, index) => ({ ...log, blockNumber: height, logIndex: index })),
    );
  }

  fail(method: string, ...failures: RpcFailure[]) {
    this.failures.set(method, [...(this.failures.get(method) ?? []), ...failures]);
  }

  private count(method: string) {
    this.calls[method] = (this.calls[method] ?? 0) + 1;
    const next = this.failures.get(method)?.shift();
    if (next) throw next;
  }

  async chainId() {
    this.count('eth_chainId');
    return this.id;
  }

  async blockNumber() {
    this.count('eth_blockNumber');
    return this.head;
  }

  async blockHash(n: number) {
    this.count('eth_getBlockByNumber');
    return n <= this.head ? this.hashes.get(n) : undefined;
  }

  async logs(filter: LogFilter) {
    this.count('eth_getLogs');
    if (filter.toBlock - filter.fromBlock + 1 > this.maxRange) {
      throw new RpcFailure('refused', `range exceeds limit of ${this.maxRange}`);
    }
    const logs: ChainLog[] = [];
    for (let n = filter.fromBlock; n <= Math.min(filter.toBlock, this.head); n++) {
      for (const log of this.logsByBlock.get(n) ?? []) {
        if (!filter.addresses || filter.addresses.includes(log.address)) logs.push(log);
      }
    }
    return logs;
  }

  async call(to: string, data: string) {
    this.count('eth_call');
    const id = BigInt(`0x${data.slice(10)}`);
    const answer = this.uris.get(`${to}#${id}`);
    if (answer === undefined || answer instanceof Error) {
      throw new RpcFailure('reverted', 'eth_call: execution reverted', {
        revertData: '0x7e273289',
      });
    }
    return encodeAbiParameters([{ type: 'string' }], [answer]);
  }

  async code() {
    this.count('eth_getCode');
    return '0x';
  }
}

export const mint721 = (contract: string, tokenId: bigint) => ({
  address: contract,
  topics: [TOPIC.Transfer, ZERO, HOLDER, word(tokenId)],
  data: '0x',
});

export const consecutive = (contract: string, from: bigint, to: bigint) => ({
  address: contract,
  topics: [TOPIC.ConsecutiveTransfer, word(from), ZERO, HOLDER],
  data: encodeAbiParameters([{ type: 'uint256' }], [to]),
});

export const metadataUpdate = (contract: string, tokenId: bigint) => ({
  address: contract,
  topics: [TOPIC.MetadataUpdate],
  data: encodeAbiParameters([{ type: 'uint256' }], [tokenId]),
});
