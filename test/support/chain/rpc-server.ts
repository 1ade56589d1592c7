/**
 * An HTTP JSON-RPC endpoint in front of the in-process chain, so the scraper under test talks
 * HTTP to a URL as it does in production. It also plays the provider: it can refuse
 * eth_getLogs queries over a block range or a result count with Infura's, Alchemy's or a
 * geth-style node's error shapes, answer 429s, or hold requests back.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { EdrChain, JsonRpcErrorObject, JsonRpcRequest } from './edr.ts';

export interface LogsPolicy {
  /** Refuse before running when toBlock - fromBlock + 1 is larger. */
  maxBlockRange?: number;
  /** Run, then refuse when more logs than this came back (suggesting a range, as providers do). */
  maxResults?: number;
  style?: 'infura' | 'alchemy' | 'geth';
}

export type Fault =
  | { kind: 'http'; status: number }
  | { kind: 'rpc'; error: JsonRpcErrorObject }
  /** Answer normally, `ms` later. */
  | { kind: 'delay'; ms: number };

export type FaultRule = (request: JsonRpcRequest, count: number) => Fault | undefined;

export interface RpcServer {
  url: string;
  /** Requests seen, by method. */
  calls: Record<string, number>;
  /** eth_getLogs block ranges asked for, in order. */
  logRanges: { from: number; to: number }[];
  setLogsPolicy(policy: LogsPolicy): void;
  setFault(rule: FaultRule | undefined): void;
  close(): Promise<void>;
}

const hex = (n: number | bigint) => `0x${n.toString(16)}`;

export async function startRpcServer(
  chain: EdrChain,
  options: { logs?: LogsPolicy } = {},
): Promise<RpcServer> {
  const calls: Record<string, number> = {};
  const logRanges: { from: number; to: number }[] = [];
  let policy: LogsPolicy = options.logs ?? {};
  let fault: FaultRule | undefined;
  let count = 0;

  const blockOf = async (tag: unknown): Promise<bigint> =>
    typeof tag === 'string' && tag.startsWith('0x')
      ? BigInt(tag)
      : tag === 'earliest'
        ? 0n
        : BigInt(await chain.request<string>('eth_blockNumber'));

  function rangeRefusal(from: bigint, to: bigint, max: number): JsonRpcErrorObject {
    switch (policy.style ?? 'infura') {
      case 'alchemy':
        return {
          code: -32600,
          message: `You can make eth_getLogs requests with up to a ${max} block range. Based on your parameters, this block range should work: [${hex(from)}, ${hex(from + BigInt(max) - 1n)}]`,
        };
      case 'geth':
        return { code: -32000, message: 'block range is bigger than maxBlockRange' };
      default:
        return { code: -32602, message: `range ${to - from + 1n} exceeds limit of ${max}` };
    }
  }

  function resultsRefusal(from: bigint, logs: { blockNumber: string }[], max: number) {
    const cut = BigInt((logs[max] as { blockNumber: string }).blockNumber);
    const to = cut > from ? cut - 1n : from;
    if (policy.style === 'alchemy') {
      return {
        code: -32602,
        message: `Log response size exceeded. You can make eth_getLogs requests with up to a 2K block range and no limit on the response size, or you can request any block range with a cap of ${max} logs in the response. Based on your parameters and the response size limit, this block range should work: [${hex(from)}, ${hex(to)}]`,
      };
    }
    return {
      code: -32005,
      message: `query returned more than ${max} results. Try with this block range [${hex(from)}, ${hex(to)}].`,
      data: { from: hex(from), limit: max, to: hex(to) },
    };
  }

  /** One request's answer text, or an HTTP status to answer instead. */
  async function answer(request: JsonRpcRequest): Promise<string | { status: number }> {
    const id = JSON.stringify(request.id ?? null);
    const error = (e: JsonRpcErrorObject) =>
      `{"jsonrpc":"2.0","id":${id},"error":${JSON.stringify(e)}}`;
    calls[request.method] = (calls[request.method] ?? 0) + 1;
    const injected = fault?.(request, ++count);
    if (injected?.kind === 'http') return { status: injected.status };
    if (injected?.kind === 'rpc') return error(injected.error);
    if (injected?.kind === 'delay')
      await new Promise((resolve) => setTimeout(resolve, injected.ms));

    if (request.method === 'eth_getLogs') {
      const filter = (request.params?.[0] ?? {}) as { fromBlock?: unknown; toBlock?: unknown };
      const from = await blockOf(filter.fromBlock);
      const to = await blockOf(filter.toBlock);
      logRanges.push({ from: Number(from), to: Number(to) });
      if (policy.maxBlockRange && to - from + 1n > BigInt(policy.maxBlockRange)) {
        return error(rangeRefusal(from, to, policy.maxBlockRange));
      }
      if (policy.maxResults) {
        const result = await chain.answer(request);
        if (result.error) return error(result.error);
        const logs = result.result as { blockNumber: string }[];
        if (logs.length > policy.maxResults)
          return error(resultsRefusal(from, logs, policy.maxResults));
        return `{"jsonrpc":"2.0","id":${id},"result":${JSON.stringify(logs)}}`;
      }
    }
    // EDR's own text, with jsonrpc and id put in: large answers are never parsed here.
    const text = await chain.answerText(request);
    return `{"jsonrpc":"2.0","id":${id},${text.slice(1)}`;
  }

  async function handle(req: IncomingMessage, res: ServerResponse) {
    if (req.method !== 'POST') {
      res.writeHead(405).end();
      return;
    }
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    let body: unknown;
    try {
      body = JSON.parse(Buffer.concat(chunks).toString('utf8'));
    } catch {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end('{"jsonrpc":"2.0","id":null,"error":{"code":-32700,"message":"parse error"}}');
      return;
    }
    const requests = (Array.isArray(body) ? body : [body]) as JsonRpcRequest[];
    const answers = await Promise.all(requests.map(answer));
    const refused = answers.find((a): a is { status: number } => typeof a !== 'string');
    if (refused) {
      res.writeHead(refused.status, { 'content-type': 'text/plain' }).end('refused');
      return;
    }
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(Array.isArray(body) ? `[${answers.join(',')}]` : answers[0]);
  }

  const server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      res.writeHead(500).end(String(error));
    });
  });
  server.keepAliveTimeout = 1000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    calls,
    logRanges,
    setLogsPolicy(next) {
      policy = next;
    },
    setFault(rule) {
      fault = rule;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
