/**
 * Retries of transient RPC failures (throttling, timeouts, 5xx) with full-jitter backoff, a few
 * times, inside one run; what still fails stops that chain's scan until the next run.
 */
import type { ChainRpc } from '../ports.ts';
import { RpcFailure } from './rpc-errors.ts';
import { backoffMs } from './window.ts';

export interface RetryPolicy {
  attempts: number;
  baseMs: number;
  capMs: number;
  sleep: (ms: number) => Promise<void>;
  random?: () => number;
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export const RPC_RETRY: RetryPolicy = { attempts: 5, baseMs: 250, capMs: 8000, sleep };

export async function retryTransient<T>(policy: RetryPolicy, work: () => Promise<T>): Promise<T> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await work();
    } catch (error) {
      const transient = error instanceof RpcFailure && error.kind === 'transient';
      if (!transient || attempt + 1 >= policy.attempts) throw error;
      await policy.sleep(backoffMs(attempt, policy.baseMs, policy.capMs, policy.random));
    }
  }
}

/** The same endpoint, each call retried on transient failures. */
export function retrying(rpc: ChainRpc, policy: RetryPolicy = RPC_RETRY): ChainRpc {
  const retry =
    <A extends unknown[], R>(call: (...args: A) => Promise<R>) =>
    (...args: A) =>
      retryTransient(policy, () => call(...args));
  return {
    chainId: retry(() => rpc.chainId()),
    blockNumber: retry(() => rpc.blockNumber()),
    blockHash: retry((n: number) => rpc.blockHash(n)),
    logs: retry((filter: Parameters<ChainRpc['logs']>[0]) => rpc.logs(filter)),
    call: retry((to: string, data: string, block: number) => rpc.call(to, data, block)),
    code: retry((address: string, block: number) => rpc.code(address, block)),
  };
}
