/**
 * Where token metadata is read from: pinstack's own carpark when the CID is stored here (no
 * network, already verified on upload), then the configured trustless gateways (an adapter),
 * in that order. Either way the bytes are read out of blocks checked against their CIDs.
 */
import { CID } from 'multiformats/cid';
import type { BlockLog } from '../ipfs/block-log.ts';
import { verifyCarBlocks } from '../ipfs/car.ts';
import { type ExportFailure, readFileAt } from '../ipfs/export.ts';
import type {
  BlobStore,
  Clock,
  ContentStore,
  MetadataReadFailure,
  MetadataSource,
} from '../ports.ts';
import { err } from '../result.ts';

/** Metadata larger than this is not metadata: refused, and recorded as such. */
export const MAX_METADATA_BYTES = 1024 * 1024;
/** Most CAR bytes read from the carpark for one file; larger content is left to the gateways. */
export const MAX_CARPARK_READ_BYTES = 32 * 1024 * 1024;

const unavailable = (message: string) =>
  err<MetadataReadFailure>({ reason: 'unavailable', message });

/** What an export failure means for a read from blocks one source had. */
export function exportFailure(failure: ExportFailure): MetadataReadFailure {
  switch (failure.reason) {
    case 'missing-block':
      return { reason: 'unavailable', message: failure.message };
    case 'too-large':
      return { reason: 'too-large', message: failure.message };
    default:
      return { reason: 'invalid', message: failure.message };
  }
}

/** How long "not stored here" is believed: many tokens' metadata shares one root. */
const ABSENT_FOR_MS = 30_000;
const MAX_REMEMBERED = 10_000;

/** Reads from the CARs stored here for the root; `unavailable` when they do not hold it. */
export function carparkMetadata(
  ports: { contents: ContentStore; carpark: BlobStore; clock: Clock },
  maxBytes = MAX_METADATA_BYTES,
): MetadataSource {
  const absent = new Map<string, number>();
  return {
    async read(cid, path) {
      const now = ports.clock.now().getTime();
      if ((absent.get(cid) ?? 0) > now) return unavailable('not stored here');
      const content = await ports.contents.get(cid);
      if (!content) {
        if (absent.size >= MAX_REMEMBERED) absent.clear();
        absent.set(cid, now + ABSENT_FOR_MS);
        return unavailable('not stored here');
      }
      const cars = await ports.contents.listCars(cid);
      const total = cars.reduce((sum, car) => sum + car.size, 0);
      if (total > MAX_CARPARK_READ_BYTES)
        return unavailable('stored here in CARs too large to read');
      const logs: BlockLog[] = [];
      for (const car of cars) {
        const bytes = await ports.carpark.get(car.key);
        if (!bytes) continue;
        const verified = await verifyCarBlocks(bytes);
        if (verified.ok) logs.push(verified.value.blocks);
      }
      const read = await readFileAt(
        CID.parse(cid),
        path,
        (block) => {
          for (const log of logs) {
            const bytes = log.bytesOf(block);
            if (bytes) return bytes;
          }
          return undefined;
        },
        maxBytes,
      );
      return read.ok ? read : err(exportFailure(read.error));
    },
  };
}

/** Tries each source in order while they answer `unavailable`; the last failure otherwise. */
export function firstAvailable(sources: MetadataSource[]): MetadataSource {
  return {
    async read(cid, path) {
      const reasons: string[] = [];
      for (const source of sources) {
        const read = await source.read(cid, path);
        if (read.ok || read.error.reason !== 'unavailable') return read;
        reasons.push(read.error.message);
      }
      return unavailable(reasons.join('; ') || 'nowhere to read it from');
    },
  };
}
