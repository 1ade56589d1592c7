/**
 * The gateway core over in-memory ports: CARs are put in a fake carpark and indexed by the real
 * indexer core, exactly as the indexer consumer does after an upload; requests go through the
 * real serveGateway with the real Content-Type rules, and bodies are read to the end (a stream
 * cut off midway is reported as `cutOff`, the way a client sees it).
 */
import type { CID } from 'multiformats/cid';
import { blockIndexKey, indexStoredCar } from '../../lambdas/core/block-index.ts';
import { BlockSource, newBlockCaches } from '../../lambdas/core/gateway/blocks.ts';
import { type GatewayResponse, serveGateway } from '../../lambdas/core/gateway/serve.ts';
import type { Block } from '../../lambdas/core/ipfs/block.ts';
import { carCid } from '../../lambdas/core/ipfs/car.ts';
import { carparkKey } from '../../lambdas/core/uploads.ts';
import { contentTypeOf } from '../../lambdas/shared/content-type.ts';
import { FakeBlobStore, FakeBlockIndexStore } from './fakes.ts';
import { craftCar } from './ipfs-fixtures.ts';

export interface Answer {
  status: number;
  headers: Record<string, string>;
  body: Uint8Array;
  /** The body stream failed after the status was sent. */
  cutOff?: unknown;
  /** The client stopped reading after `takeChunks` chunks (it went away). */
  abandoned?: true;
  text(): string;
}

export class GatewayWorld {
  readonly carpark = new FakeBlobStore();
  readonly blocks = new FakeBlockIndexStore();
  caches = newBlockCaches();
  readonly errors: unknown[] = [];
  /** Table lookups made, as the DynamoDB adapter would make them. */
  lookups = 0;

  /** Stores one CAR the way an upload does, then indexes it the way the indexer does. */
  async storeCar(roots: CID[], blocks: Block[], options: { index?: boolean } = {}) {
    const bytes = await craftCar(roots, blocks);
    const cid = (await carCid(bytes)).toString();
    await this.carpark.put(carparkKey(cid), bytes);
    if (options.index !== false) {
      const outcome = await indexStoredCar(carparkKey(cid), {
        carpark: this.carpark,
        blocks: this.blocks,
      });
      if (outcome.outcome !== 'indexed') throw new Error(`not indexed: ${JSON.stringify(outcome)}`);
    }
    return { carCid: cid, bytes, indexKey: blockIndexKey(cid) };
  }

  /** A DAG split over `parts` CARs that share its root, as a chunked upload stores it. */
  async storeChunked(root: CID, blocks: Block[], parts: number) {
    const per = Math.ceil(blocks.length / parts);
    const cars = [];
    for (let at = 0; at < blocks.length; at += per) {
      cars.push(await this.storeCar([root], blocks.slice(at, at + per)));
    }
    return cars;
  }

  /** A cold container: nothing cached. */
  forget() {
    this.caches = newBlockCaches();
  }

  async request(
    path: string,
    options: {
      method?: string;
      headers?: Record<string, string>;
      /** Read only this many chunks of the body, then stop, as a client that goes away. */
      takeChunks?: number;
    } = {},
  ): Promise<Answer> {
    const queryAt = path.indexOf('?');
    const blocks = this.blocks;
    const counted = {
      locate: (multihash: Uint8Array) => {
        this.lookups++;
        return blocks.locate(multihash);
      },
    };
    const headers: Record<string, string> = {};
    for (const [name, value] of Object.entries(options.headers ?? {})) {
      headers[name.toLowerCase()] = value;
    }
    const response = await serveGateway(
      {
        method: options.method ?? 'GET',
        rawPath: queryAt === -1 ? path : path.slice(0, queryAt),
        rawQuery: queryAt === -1 ? '' : path.slice(queryAt + 1),
        headers,
      },
      {
        source: new BlockSource({ blocks: counted, carpark: this.carpark }, this.caches),
        contentTypeOf,
        requestId: 'test-request',
        onError: (error) => this.errors.push(error),
      },
    );
    return read(response, options.method === 'HEAD', options.takeChunks);
  }
}

async function read(
  response: GatewayResponse,
  head: boolean,
  takeChunks = Number.POSITIVE_INFINITY,
): Promise<Answer> {
  const chunks: Uint8Array[] = [];
  let cutOff: unknown;
  let abandoned = false;
  const body = head ? undefined : response.body;
  if (body instanceof Uint8Array) chunks.push(body);
  else if (body) {
    try {
      for await (const chunk of body) {
        if (chunks.length >= takeChunks) {
          abandoned = true;
          break;
        }
        chunks.push(chunk);
      }
    } catch (error) {
      cutOff = error;
    }
  }
  const bytes = new Uint8Array(Buffer.concat(chunks));
  return {
    status: response.status,
    headers: response.headers,
    body: bytes,
    ...(cutOff === undefined ? {} : { cutOff }),
    ...(abandoned ? { abandoned: true as const } : {}),
    text: () => new TextDecoder().decode(bytes),
  };
}
