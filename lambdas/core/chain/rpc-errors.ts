/**
 * What a JSON-RPC provider's error means for the scraper. Providers refuse large log queries
 * in their own words (Infura -32005 "query returned more than 10000 results" or -32602
 * "range … exceeds limit", Alchemy -32602/-32600 "… block range should work: [0x0, 0x1f3]",
 * geth-style -32000 "block range is bigger than maxBlockRange"); a refusal shrinks the
 * window, a transient error waits and retries, a revert is an answer, anything else fails.
 */
import { quote } from '../failures.ts';

export type RpcFailureKind =
  /** The provider will not answer a query this large: ask for a smaller block range. */
  | 'refused'
  /** An eth_call reverted: the contract's answer, recorded. */
  | 'reverted'
  /** Throttled, timed out, unavailable: the same request may succeed later. */
  | 'transient'
  /** Anything else: the request is wrong for this provider. */
  | 'failed';

export interface RpcFailureDetails {
  code?: number;
  /** The HTTP status, for failures below JSON-RPC. */
  status?: number;
  /** Revert data (hex) of a reverted call. */
  revertData?: string;
  /** The last block of a range the provider suggested instead of a refused one. */
  suggestedTo?: number;
}

export class RpcFailure extends Error {
  override name = 'RpcFailure';
  readonly kind: RpcFailureKind;
  readonly details: RpcFailureDetails;

  constructor(kind: RpcFailureKind, message: string, details: RpcFailureDetails = {}) {
    super(message);
    this.kind = kind;
    this.details = details;
  }
}

export interface JsonRpcError {
  code?: unknown;
  message?: unknown;
  data?: unknown;
}

const REFUSAL =
  /block range|range \d+ exceeds|more than \d+ results|response size|too many (logs|results|blocks)|query timeout|limit exceeded|exceeds? (the )?(max|limit)|range is too (large|wide)|results? (is )?too large/i;
const RATE_LIMIT = /rate limit|too many requests|request rate|capacity|throughput|try again/i;
const REVERT = /revert/i;

/** The failure a JSON-RPC error object stands for, given the method that got it. */
export function classifyRpcError(method: string, error: JsonRpcError): RpcFailure {
  const code = typeof error.code === 'number' ? error.code : undefined;
  const message = typeof error.message === 'string' ? error.message : 'JSON-RPC error';
  const text = `${method}: ${quote(message, 200)}${code === undefined ? '' : ` (code ${code})`}`;
  if (method === 'eth_call' && (code === 3 || REVERT.test(message))) {
    return new RpcFailure('reverted', text, { code, revertData: revertDataOf(error.data) });
  }
  if (RATE_LIMIT.test(message) || code === 429 || code === -32603 || code === -32002) {
    return new RpcFailure('transient', text, { code });
  }
  if (method === 'eth_getLogs' && (REFUSAL.test(message) || code === -32005)) {
    const suggestedTo = suggestedRangeEnd(error.data, message);
    return new RpcFailure('refused', text, {
      code,
      ...(suggestedTo === undefined ? {} : { suggestedTo }),
    });
  }
  // "header not found", "missing trie node" and the like: a node behind or pruning, for now.
  if (
    /header not found|unknown block|missing trie node|timeout|timed out|unavailable/i.test(message)
  ) {
    return new RpcFailure('transient', text, { code });
  }
  return new RpcFailure('failed', text, { code });
}

/** 429 and 5xx are worth retrying; any other status is a misconfigured endpoint. */
export function httpFailure(method: string, status: number): RpcFailure {
  const kind = status === 429 || status === 408 || status >= 500 ? 'transient' : 'failed';
  return new RpcFailure(kind, `${method}: HTTP ${status}`, { status });
}

/** Revert data as geth (`data: "0x…"`) or Hardhat (`data: { data: "0x…" }`) reports it. */
function revertDataOf(data: unknown): string | undefined {
  if (typeof data === 'string' && /^0x[0-9a-f]*$/i.test(data)) return data;
  if (data && typeof data === 'object') {
    const inner = (data as { data?: unknown }).data;
    if (typeof inner === 'string' && /^0x[0-9a-f]*$/i.test(inner)) return inner;
  }
  return undefined;
}

/** The end of a suggested range: Infura's `data.to`, or the `[0x…, 0x…]` in the message. */
function suggestedRangeEnd(data: unknown, message: string): number | undefined {
  const fromData = data && typeof data === 'object' ? (data as { to?: unknown }).to : undefined;
  const hex =
    typeof fromData === 'string'
      ? fromData
      : /\[\s*0x[0-9a-f]+\s*,\s*(0x[0-9a-f]+)\s*\]/i.exec(message)?.[1];
  if (!hex || !/^0x[0-9a-f]+$/i.test(hex)) return undefined;
  const end = Number.parseInt(hex, 16);
  return Number.isSafeInteger(end) ? end : undefined;
}

/** A short, printable reason for a revert: the error selector, or "without data". */
export function revertReason(revertData: string | undefined): string {
  if (!revertData || revertData === '0x') return 'reverted without data';
  return `reverted with ${revertData.slice(0, 10)}${revertData.length > 10 ? '…' : ''}`;
}
