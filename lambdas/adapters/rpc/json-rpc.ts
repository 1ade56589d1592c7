/**
 * A chain's JSON-RPC endpoint over HTTP (fetch), as the scraper uses it. Errors become
 * RpcFailures classified by core/chain/rpc-errors.ts; a URL with `user:password@` sends
 * them as basic auth instead (fetch refuses credentials in URLs). The URL may carry a
 * provider key, so it never appears in errors or logs.
 */
import { classifyRpcError, httpFailure, RpcFailure } from '../../core/chain/rpc-errors.ts';
import type { ChainLog, ChainRpc } from '../../core/ports.ts';

export interface JsonRpcOptions {
  /** Per request; a provider that takes longer is treated as unavailable for now. */
  timeoutMs?: number;
  fetch?: typeof fetch;
}

const hex = (n: number) => `0x${n.toString(16)}`;
const HEX = /^0x[0-9a-fA-F]*$/;

function quantity(method: string, value: unknown): number {
  if (typeof value !== 'string' || !HEX.test(value) || value === '0x') {
    throw new RpcFailure('failed', `${method}: the answer is not a quantity`);
  }
  const number = Number(BigInt(value));
  if (!Number.isSafeInteger(number))
    throw new RpcFailure('failed', `${method}: ${value} is too large`);
  return number;
}

function data(method: string, value: unknown): string {
  if (typeof value !== 'string' || !HEX.test(value)) {
    throw new RpcFailure('failed', `${method}: the answer is not hex data`);
  }
  return value.toLowerCase();
}

export function jsonRpc(endpoint: string, options: JsonRpcOptions = {}): ChainRpc {
  const url = new URL(endpoint);
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (url.username || url.password) {
    const user = decodeURIComponent(url.username);
    const password = decodeURIComponent(url.password);
    headers.authorization = `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;
    url.username = '';
    url.password = '';
  }
  const target = url.toString();
  const fetchImpl = options.fetch ?? fetch;
  const timeoutMs = options.timeoutMs ?? 30_000;
  let id = 0;

  async function request(method: string, params: unknown[]): Promise<unknown> {
    let response: Response;
    try {
      response = await fetchImpl(target, {
        method: 'POST',
        headers,
        body: JSON.stringify({ jsonrpc: '2.0', id: ++id, method, params }),
        signal: AbortSignal.timeout(timeoutMs),
      });
    } catch (error) {
      const why = error instanceof Error ? error.name : 'error';
      throw new RpcFailure('transient', `${method}: no answer (${why})`);
    }
    if (!response.ok) {
      await response.body?.cancel();
      throw httpFailure(method, response.status);
    }
    let body: { result?: unknown; error?: unknown };
    try {
      body = (await response.json()) as typeof body;
    } catch {
      throw new RpcFailure('transient', `${method}: the answer is not JSON`);
    }
    if (body?.error) throw classifyRpcError(method, body.error as object);
    if (!body || !('result' in body)) throw new RpcFailure('failed', `${method}: no result`);
    return body.result;
  }

  return {
    async chainId() {
      return quantity('eth_chainId', await request('eth_chainId', []));
    },
    async blockNumber() {
      return quantity('eth_blockNumber', await request('eth_blockNumber', []));
    },
    async blockHash(number) {
      const block = await request('eth_getBlockByNumber', [hex(number), false]);
      if (block === null) return undefined;
      const hash = (block as { hash?: unknown } | undefined)?.hash;
      if (typeof hash !== 'string') throw new RpcFailure('failed', 'eth_getBlockByNumber: no hash');
      return hash.toLowerCase();
    },
    async logs(filter) {
      const result = await request('eth_getLogs', [
        {
          fromBlock: hex(filter.fromBlock),
          toBlock: hex(filter.toBlock),
          ...(filter.addresses ? { address: filter.addresses } : {}),
          topics: [filter.topic0],
        },
      ]);
      if (!Array.isArray(result)) throw new RpcFailure('failed', 'eth_getLogs: not a list');
      return result.map(
        (raw: Record<string, unknown>): ChainLog => ({
          address: data('eth_getLogs', raw.address),
          topics: Array.isArray(raw.topics) ? raw.topics.map((t) => data('eth_getLogs', t)) : [],
          data: data('eth_getLogs', raw.data),
          blockNumber: quantity('eth_getLogs', raw.blockNumber),
          logIndex: quantity('eth_getLogs', raw.logIndex),
          ...(raw.removed === true ? { removed: true } : {}),
        }),
      );
    },
    async call(to, callData, block) {
      return data('eth_call', await request('eth_call', [{ to, data: callData }, hex(block)]));
    },
    async code(address, block) {
      return data('eth_getCode', await request('eth_getCode', [address, hex(block)]));
    },
  };
}
