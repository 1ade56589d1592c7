/**
 * The metadata step of a run: tokens whose metadata is due (sparse index, soonest first) have
 * it read — once per distinct root and path, however many tokens share it — walked for CIDs,
 * and those CIDs requested. A failed read is recorded with its reason and tried again on a
 * backoff schedule (METADATA_RETRY_SECONDS, x4 per attempt, at most a day) until
 * METADATA_ATTEMPTS reads failed; content over the size cap or not a file is final at once.
 */
import type {
  Clock,
  FoundCid,
  MetadataReadFailure,
  MetadataSource,
  NftRecord,
  NftStore,
  PinRequester,
} from '../ports.ts';
import type { Result } from '../result.ts';
import { mapLimit } from './concurrency.ts';
import { parseJson, walkMetadata } from './metadata.ts';
import { MAX_RECORDED_CIDS } from './resolve.ts';
import { PinBatch } from './tokens.ts';

export interface MetadataPorts {
  nfts: NftStore;
  metadata: MetadataSource;
  pins: PinRequester;
  clock: Clock;
}

export interface MetadataSettings {
  METADATA_RETRY_SECONDS: number;
  METADATA_ATTEMPTS: number;
}

export interface MetadataReport {
  tokens: number;
  reads: number;
  fetched: number;
  notJson: number;
  retrying: number;
  failed: number;
  pinRequests: number;
}

/** Due tokens taken per page; pages continue while time remains. */
export const METADATA_PAGE = 200;
/** Reads in flight at once. */
export const METADATA_CONCURRENCY = 8;
const MAX_RETRY_SECONDS = 24 * 60 * 60;

/** Seconds before attempt `failures + 1`: the base, times 4 per failure so far, capped. */
export function retryDelaySeconds(failures: number, baseSeconds: number): number {
  return Math.min(MAX_RETRY_SECONDS, baseSeconds * 4 ** Math.max(0, failures - 1));
}

export async function fetchDueMetadata(
  ports: MetadataPorts,
  settings: MetadataSettings,
  deadline: number,
): Promise<MetadataReport> {
  const report: MetadataReport = {
    tokens: 0,
    reads: 0,
    fetched: 0,
    notJson: 0,
    retrying: 0,
    failed: 0,
    pinRequests: 0,
  };
  const runStarted = ports.clock.now().toISOString();
  while (ports.clock.now().getTime() < deadline) {
    // Only what was due when the run started: a token rescheduled now is not read twice.
    const due = await ports.nfts.listMetadataDue(runStarted, METADATA_PAGE);
    if (due.length === 0) break;
    const byTarget = new Map<string, NftRecord[]>();
    for (const record of due) {
      const target = targetOf(record);
      const key = target ? `${target.cid}${target.path}` : '';
      byTarget.set(key, [...(byTarget.get(key) ?? []), record]);
    }
    const targets = [...byTarget.entries()];
    const reads = await mapLimit(targets, METADATA_CONCURRENCY, async ([key, records]) => {
      const target = targetOf(records[0] as NftRecord);
      if (!key || !target) return undefined;
      report.reads++;
      return ports.metadata.read(target.cid, target.path);
    });
    const now = ports.clock.now();
    const pins = new PinBatch();
    const updated: NftRecord[] = [];
    targets.forEach(([, records], i) => {
      for (const record of records) {
        const next = afterRead(record, reads[i], now, settings);
        updated.push(next.record);
        pins.add(next.record, next.added, record.cids, []);
        report[next.outcome]++;
      }
    });
    await ports.pins.requestPins(pins.requests());
    await ports.nfts.putMany(updated);
    report.tokens += due.length;
    report.pinRequests += pins.size;
    if (due.length < METADATA_PAGE) break;
  }
  return report;
}

const targetOf = (record: NftRecord) => record.cids.find((at) => at.source === 'uri');

type Outcome = 'fetched' | 'notJson' | 'retrying' | 'failed';

function afterRead(
  record: NftRecord,
  read: Result<Uint8Array, MetadataReadFailure> | undefined,
  now: Date,
  settings: MetadataSettings,
): { record: NftRecord; added: FoundCid[]; outcome: Outcome } {
  const { metadataDue: _due, metadataReason: _reason, ...rest } = record;
  const updated = now.toISOString();
  if (!read) {
    return {
      record: { ...rest, metadataStatus: 'none', updated },
      added: [],
      outcome: 'notJson',
    };
  }
  if (read.ok) {
    const json = parseJson(read.value);
    if (json === undefined) {
      return {
        record: { ...rest, metadataStatus: 'not-json', updated },
        added: [],
        outcome: 'notJson',
      };
    }
    const walk = walkMetadata(
      json,
      record.standard === 'erc1155' ? BigInt(record.tokenId) : undefined,
    );
    const found: FoundCid[] = walk.cids.map((at) => ({ ...at, source: 'metadata' }));
    const kept = record.cids.filter((at) => at.source !== 'metadata');
    const known = new Set(kept.map((at) => `${at.cid}${at.path}`));
    const cids = [...kept, ...found.filter((at) => !known.has(`${at.cid}${at.path}`))];
    return {
      record: {
        ...rest,
        metadataStatus: 'fetched',
        ...(walk.truncated ? { metadataReason: `walk stopped: ${walk.truncated}` } : {}),
        cids: cids.slice(0, MAX_RECORDED_CIDS),
        updated,
      },
      added: found,
      outcome: 'fetched',
    };
  }
  const failures = record.metadataAttempts + 1;
  const final = read.error.reason !== 'unavailable' || failures >= settings.METADATA_ATTEMPTS;
  if (final) {
    const why =
      read.error.reason === 'unavailable'
        ? `gave up after ${failures} attempts: ${read.error.message}`
        : read.error.message;
    return {
      record: {
        ...rest,
        metadataStatus: 'failed',
        metadataReason: why,
        metadataAttempts: failures,
        updated,
      },
      added: [],
      outcome: 'failed',
    };
  }
  const wait = retryDelaySeconds(failures, settings.METADATA_RETRY_SECONDS);
  return {
    record: {
      ...rest,
      metadataStatus: 'retrying',
      metadataReason: read.error.message,
      metadataAttempts: failures,
      metadataDue: new Date(now.getTime() + wait * 1000).toISOString(),
      updated,
    },
    added: [],
    outcome: 'retrying',
  };
}
