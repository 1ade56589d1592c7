/**
 * A trustless IPFS gateway for tests: `GET /ipfs/<cid>/<path>?format=car` answers a CAR of the
 * whole DAG under that root (a superset of what the path needs, which clients must accept) for
 * DAGs added here, 404 otherwise; a fault rule can make it fail, throttle or lie (bad blocks).
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { CID } from 'multiformats/cid';
import type { Block } from '../../../lambdas/core/ipfs/block.ts';
import { encodeCar } from '../../../lambdas/core/ipfs/car.ts';
import { packDirectory, packFile } from '../../../lambdas/core/ipfs/unixfs.ts';

export type GatewayFault = { kind: 'status'; status: number } | { kind: 'corrupt' };

export interface TestGateway {
  url: string;
  /** Paths requested, in order (`/ipfs/<cid>/<path>`). */
  requests: string[];
  /** Packs files into a directory served by root; returns its CIDv1. */
  addDirectory(files: Record<string, string | Uint8Array>): Promise<string>;
  addFile(content: string | Uint8Array): Promise<string>;
  setFault(rule: ((path: string, count: number) => GatewayFault | undefined) | undefined): void;
  close(): Promise<void>;
}

const bytesOf = (content: string | Uint8Array) =>
  typeof content === 'string' ? new TextEncoder().encode(content) : content;

export async function startTestGateway(): Promise<TestGateway> {
  const dags = new Map<string, { root: CID; blocks: Block[] }>();
  const requests: string[] = [];
  let fault: ((path: string, count: number) => GatewayFault | undefined) | undefined;
  let count = 0;

  const server = createServer(async (req, res) => {
    const url = new URL(req.url ?? '/', 'http://gateway');
    requests.push(url.pathname);
    const injected = fault?.(url.pathname, ++count);
    if (injected?.kind === 'status') {
      res.writeHead(injected.status).end();
      return;
    }
    const [, ipfs, cid] = url.pathname.split('/');
    const dag = ipfs === 'ipfs' && cid ? dags.get(cid) : undefined;
    if (!dag || url.searchParams.get('format') !== 'car') {
      res.writeHead(404).end();
      return;
    }
    const blocks =
      injected?.kind === 'corrupt'
        ? dag.blocks.map((block) => ({ cid: block.cid, bytes: new Uint8Array(block.bytes.length) }))
        : dag.blocks;
    const car = await encodeCar(dag.root, blocks);
    res.writeHead(200, { 'content-type': 'application/vnd.ipld.car; version=1' });
    res.end(car);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;

  const add = (packed: { root: CID; blocks: Block[] }) => {
    const cid = packed.root.toV1().toString();
    dags.set(cid, packed);
    return cid;
  };
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    async addDirectory(files) {
      const packed = await packDirectory(
        Object.entries(files).map(([name, content]) => ({ name, content: bytesOf(content) })),
      );
      if (!packed.ok) throw new Error(packed.error.message);
      return add(packed.value);
    },
    async addFile(content) {
      const packed = await packFile(bytesOf(content));
      if (!packed.ok) throw new Error(packed.error.message);
      return add(packed.value);
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
