/**
 * One scraper run: under the job's lease (a conditional write: never two runs at once), scan
 * every configured chain from its cursor, then read the metadata that is due, all within the
 * run's time budget; the next run continues wherever this one stopped. A chain whose endpoint
 * fails is reported and skipped until the next run; storage failures fail the run.
 */
import type { ChainSetting } from '../../../system/settings.ts';
import type {
  ChainRpc,
  Clock,
  CursorStore,
  LeaseStore,
  MetadataSource,
  NftStore,
  PinRequester,
} from '../ports.ts';
import { fetchDueMetadata, type MetadataReport, type MetadataSettings } from './fetch-metadata.ts';
import { type ChainReport, scanChain } from './scan.ts';

export const SCRAPER_JOB = 'scraper';

export interface ScraperPorts {
  nfts: NftStore;
  cursors: CursorStore;
  leases: LeaseStore;
  pins: PinRequester;
  metadata: MetadataSource;
  clock: Clock;
}

export interface ScraperChain {
  setting: ChainSetting;
  rpc: ChainRpc;
}

export interface RunOptions {
  /** Who runs (the invocation's request id): the lease's holder. */
  runId: string;
  /** Epoch ms after which no new window or metadata page starts. */
  deadline: number;
  /** How long the lease lasts if the run dies holding it: longer than any run. */
  leaseSeconds: number;
}

export type ScraperReport =
  | { skipped: string }
  | { chains: ChainReport[]; metadata: MetadataReport };

export async function runScraper(
  ports: ScraperPorts,
  chains: readonly ScraperChain[],
  settings: MetadataSettings,
  options: RunOptions,
): Promise<ScraperReport> {
  const leased = await ports.leases.acquire(
    SCRAPER_JOB,
    options.runId,
    ports.clock.now(),
    options.leaseSeconds,
  );
  if (!leased) return { skipped: 'another scraper run holds the lease' };
  try {
    const reports: ChainReport[] = [];
    for (const chain of chains) {
      reports.push(await scanChain(chain.setting, chain.rpc, ports, options.deadline));
    }
    const metadata = await fetchDueMetadata(ports, settings, options.deadline);
    return { chains: reports, metadata };
  } finally {
    await ports.leases.release(SCRAPER_JOB, options.runId);
  }
}
