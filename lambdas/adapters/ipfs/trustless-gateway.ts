/**
 * Reading a file from trustless IPFS gateways (IPFS_GATEWAYS, in order): a CAR of the path and
 * its file (`?format=car&dag-scope=entity`), every block checked against its CID, the file read
 * out of those blocks alone — a gateway can withhold content but not forge it. A gateway that
 * fails, throttles or serves bad blocks is skipped for the next; a 429 or 5xx is asked again once.
 */
import { CID } from 'multiformats/cid';
import { exportFailure, MAX_METADATA_BYTES } from '../../core/chain/metadata-sources.ts';
import { verifyCarBlocks } from '../../core/ipfs/car.ts';
import { readFileAt } from '../../core/ipfs/export.ts';
import type { MetadataReadFailure, MetadataSource } from '../../core/ports.ts';
import { err, type Result } from '../../core/result.ts';

export interface GatewayOptions {
  maxBytes?: number;
  /** Per request. */
  timeoutMs?: number;
  fetch?: typeof fetch;
  sleep?: (ms: number) => Promise<void>;
}

const CAR_TYPE = 'application/vnd.ipld.car';

/** A path as URL segments, each percent-encoded. */
const encodePath = (path: string) =>
  path
    .split('/')
    .filter(Boolean)
    .map((segment) => `/${encodeURIComponent(segment)}`)
    .join('');

export function trustlessGateways(
  gateways: string[],
  options: GatewayOptions = {},
): MetadataSource {
  const maxBytes = options.maxBytes ?? MAX_METADATA_BYTES;
  // The CAR also carries the path's directory blocks and block framing.
  const maxCarBytes = maxBytes * 2 + 1024 * 1024;
  const fetchImpl = options.fetch ?? fetch;
  const timeoutMs = options.timeoutMs ?? 10_000;
  const sleep = options.sleep ?? ((ms: number) => new Promise((r) => setTimeout(r, ms)));

  async function fromGateway(
    gateway: string,
    cid: string,
    path: string,
  ): Promise<Result<Uint8Array, MetadataReadFailure>> {
    const url = `${gateway.replace(/\/+$/, '')}/ipfs/${cid}${encodePath(path)}?format=car&dag-scope=entity`;
    for (let attempt = 0; ; attempt++) {
      let response: Response;
      try {
        response = await fetchImpl(url, {
          headers: { accept: CAR_TYPE },
          signal: AbortSignal.timeout(timeoutMs),
          redirect: 'follow',
        });
      } catch (error) {
        const why = error instanceof Error ? error.name : 'error';
        return unavailable(`${host(gateway)}: no answer (${why})`);
      }
      if ((response.status === 429 || response.status >= 500) && attempt === 0) {
        await response.body?.cancel();
        await sleep(250 + Math.random() * 250);
        continue;
      }
      if (!response.ok) {
        await response.body?.cancel();
        return unavailable(`${host(gateway)}: HTTP ${response.status}`);
      }
      const body = await readCapped(response, maxCarBytes);
      if (!body)
        return err({ reason: 'too-large', message: `${host(gateway)}: over ${maxCarBytes} bytes` });
      const verified = await verifyCarBlocks(body);
      if (!verified.ok) return unavailable(`${host(gateway)}: ${verified.error.message}`);
      const { blocks } = verified.value;
      const read = await readFileAt(
        CID.parse(cid),
        path,
        (block) => blocks.bytesOf(block),
        maxBytes,
      );
      if (read.ok) return read;
      const failure = exportFailure(read.error);
      return failure.reason === 'unavailable'
        ? unavailable(`${host(gateway)}: ${failure.message}`)
        : err(failure);
    }
  }

  return {
    async read(cid, path) {
      if (gateways.length === 0)
        return unavailable('no IPFS gateway is configured (IPFS_GATEWAYS)');
      const reasons: string[] = [];
      for (const gateway of gateways) {
        const read = await fromGateway(gateway, cid, path);
        if (read.ok || read.error.reason !== 'unavailable') return read;
        reasons.push(read.error.message);
      }
      return unavailable(reasons.join('; '));
    },
  };
}

const unavailable = (message: string) =>
  err<MetadataReadFailure>({ reason: 'unavailable', message });

const host = (gateway: string) => {
  try {
    return new URL(gateway).host;
  } catch {
    return 'gateway';
  }
};

/** The body, or undefined once it grows past `max` bytes (the rest is not read). */
async function readCapped(response: Response, max: number): Promise<Uint8Array | undefined> {
  const declared = Number(response.headers.get('content-length'));
  if (Number.isFinite(declared) && declared > max) {
    await response.body?.cancel();
    return undefined;
  }
  const chunks: Uint8Array[] = [];
  let length = 0;
  for await (const chunk of response.body ?? []) {
    length += chunk.byteLength;
    if (length > max) return undefined;
    chunks.push(chunk);
  }
  return Buffer.concat(chunks);
}
