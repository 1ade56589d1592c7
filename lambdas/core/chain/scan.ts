/**
 * Scanning one chain from its cursor: `confirmations` blocks behind the head, window by
 * window, each window's tokens recorded and its CIDs requested before the cursor moves past
 * it with a conditional write (a run that lost its lease can neither move the cursor nor
 * have its window counted). Before scanning, the hash of the last block scanned is checked
 * against the chain; when it changed, the cursor goes back to the newest window whose last
 * block is still on the chain (the fork point) and reads on from there.
 */
import type { ChainSetting } from '../../../system/settings.ts';
import type {
  ChainCursor,
  ChainRpc,
  Clock,
  CursorStore,
  NftStore,
  PinRequester,
} from '../ports.ts';
import { eventsOf, NFT_TOPICS } from './events.ts';
import { hasMulticall3 } from './reads.ts';
import { RpcFailure } from './rpc-errors.ts';
import { applyWindow } from './tokens.ts';
import { type BlockRange, grow, rangeSize, shrink, windowAt } from './window.ts';

/** Windows whose last block hash a cursor keeps for reorg checks. */
export const RECENT_WINDOWS = 32;

export interface ScanPorts {
  nfts: NftStore;
  cursors: CursorStore;
  pins: PinRequester;
  clock: Clock;
}

export interface ChainReport {
  chainId: number;
  /** The first and last block scanned in this run (absent when none). */
  from?: number;
  to?: number;
  head?: number;
  windows: number;
  logs: number;
  tokens: number;
  written: number;
  pinRequests: number;
  /** Windows the provider refused (each then asked again, smaller). */
  refusals: number;
  /** Where a reorg sent the cursor back to. */
  reorgFrom?: number;
  /** Scanned up to `confirmations` behind the head. */
  caughtUp: boolean;
  /** Why the scan stopped before catching up (time, the provider, another run). */
  stopped?: string;
}

/** Scans a chain; an RPC failure stops the scan (reported), storage failures are thrown. */
export async function scanChain(
  setting: ChainSetting,
  rpc: ChainRpc,
  ports: ScanPorts,
  deadline: number,
): Promise<ChainReport> {
  const report = emptyReport(setting.chainId);
  try {
    await scan(setting, rpc, ports, deadline, report);
  } catch (error) {
    if (!(error instanceof RpcFailure)) throw error;
    report.stopped = error.message;
  }
  return report;
}

const emptyReport = (chainId: number): ChainReport => ({
  chainId,
  windows: 0,
  logs: 0,
  tokens: 0,
  written: 0,
  pinRequests: 0,
  refusals: 0,
  caughtUp: false,
});

async function scan(
  setting: ChainSetting,
  rpc: ChainRpc,
  ports: ScanPorts,
  deadline: number,
  report: ChainReport,
): Promise<void> {
  const servedChain = await rpc.chainId();
  if (servedChain !== setting.chainId) {
    report.stopped = `the RPC endpoint serves chain ${servedChain}, not ${setting.chainId}`;
    return;
  }
  const stored = await ports.cursors.get(setting.chainId);
  let version = stored?.version ?? 0;
  let cursor: ChainCursor = stored ?? {
    chainId: setting.chainId,
    next: setting.startBlock,
    window: setting.windowBlocks,
    recent: [],
    version: 0,
    updated: ports.clock.now().toISOString(),
  };
  const head = await rpc.blockNumber();
  report.head = head;
  const target = head - setting.confirmations;

  const rewound = await afterReorg(rpc, cursor);
  if (rewound) {
    cursor = { ...cursor, ...rewound };
    report.reorgFrom = rewound.next;
  }
  // A window larger than the chain allows now (the setting shrank) starts at the new maximum.
  cursor.window = Math.min(cursor.window, setting.windowBlocks);

  let multicall: boolean | undefined;
  const addresses = setting.contracts?.map((address) => address.toLowerCase());
  while (cursor.next <= target) {
    if (ports.clock.now().getTime() >= deadline) {
      report.stopped = 'the run used its time; the next run continues';
      return;
    }
    multicall ??= await hasMulticall3(rpc, target);
    const fetched = await logsOf(rpc, windowAt(cursor.next, cursor.window, target), addresses);
    report.refusals += fetched.refusals;
    const { range, logs } = fetched;
    const hash = await rpc.blockHash(range.to);
    if (hash === undefined) {
      report.stopped = `block ${range.to} vanished while scanning (a reorg); the next run checks`;
      return;
    }
    const events = logs.flatMap((log) =>
      eventsOf(log).map((event) => ({ event, block: log.blockNumber })),
    );
    const outcome = await applyWindow(
      {
        chainId: setting.chainId,
        rpc,
        nfts: ports.nfts,
        pins: ports.pins,
        readBlock: target,
        multicall,
        now: ports.clock.now().toISOString(),
      },
      events,
    );
    const next: ChainCursor = {
      chainId: setting.chainId,
      next: range.to + 1,
      window: fetched.refusals > 0 ? rangeSize(range) : grow(cursor.window, setting.windowBlocks),
      recent: [...cursor.recent, { ...range, hash }].slice(-RECENT_WINDOWS),
      version: version + 1,
      updated: ports.clock.now().toISOString(),
    };
    if (!(await ports.cursors.save(next, version))) {
      report.stopped = 'another run moved the cursor';
      return;
    }
    version = next.version;
    cursor = next;
    report.from ??= range.from;
    report.to = range.to;
    report.windows++;
    report.logs += logs.length;
    report.tokens += outcome.tokens;
    report.written += outcome.written;
    report.pinRequests += outcome.pinRequests;
  }
  report.caughtUp = true;
}

/**
 * Where to scan from after a reorg: the block after the newest recorded window whose last
 * block is still on the chain, or the oldest recorded window's start when none is. Undefined
 * when the last window scanned is still on the chain.
 */
async function afterReorg(
  rpc: ChainRpc,
  cursor: ChainCursor,
): Promise<Pick<ChainCursor, 'next' | 'recent'> | undefined> {
  const { recent } = cursor;
  for (let i = recent.length - 1; i >= 0; i--) {
    const window = recent[i] as ChainCursor['recent'][number];
    if ((await rpc.blockHash(window.to)) === window.hash) {
      return i === recent.length - 1
        ? undefined
        : { next: window.to + 1, recent: recent.slice(0, i + 1) };
    }
  }
  return recent.length === 0 ? undefined : { next: (recent[0] as BlockRange).from, recent: [] };
}

/** The logs of a window, asking again for a smaller window while the provider refuses. */
async function logsOf(rpc: ChainRpc, initial: BlockRange, addresses: string[] | undefined) {
  let range = initial;
  let refusals = 0;
  for (;;) {
    try {
      const logs = await rpc.logs({
        fromBlock: range.from,
        toBlock: range.to,
        topic0: NFT_TOPICS,
        ...(addresses ? { addresses } : {}),
      });
      return { range, logs, refusals };
    } catch (error) {
      if (!(error instanceof RpcFailure) || error.kind !== 'refused') throw error;
      refusals++;
      const smaller = shrink(range, error.details.suggestedTo);
      if (!smaller) {
        throw new RpcFailure(
          'failed',
          `the provider refuses even one block's logs: ${error.message}`,
        );
      }
      range = smaller;
    }
  }
}
