/**
 * The pin-status cron. It dispatches rather than does heavy work: pins left in `pinning` (a
 * lost completeness check, a crash after the content write) get their check re-queued, and
 * content no live upload holds any more is handed to the pin queue for unpinning once its
 * grace period is over.
 */
import type { Clock, ContentStore, IngestMessage, MessageQueue, PinMessage } from './ports.ts';

export interface MaintenancePorts {
  contents: ContentStore;
  ingestQueue: MessageQueue<IngestMessage>;
  pinQueue: MessageQueue<PinMessage>;
  clock: Clock;
}

export interface MaintenanceSettings {
  /** Minutes a pin may wait in `pinning` before its completeness check is re-queued. */
  PIN_RECHECK_MINUTES: number;
}

/** Items handled per category per run; the next run continues. */
export const MAINTENANCE_BATCH_LIMIT = 500;

export interface MaintenanceReport {
  rechecksQueued: number;
  unpinsRequested: number;
  unpinsCancelled: number;
}

export async function maintainPins(
  ports: MaintenancePorts,
  settings: MaintenanceSettings,
  batchLimit = MAINTENANCE_BATCH_LIMIT,
): Promise<MaintenanceReport> {
  const now = ports.clock.now();
  const report: MaintenanceReport = { rechecksQueued: 0, unpinsRequested: 0, unpinsCancelled: 0 };

  const stale = new Date(now.getTime() - settings.PIN_RECHECK_MINUTES * 60_000).toISOString();
  for (const content of await ports.contents.listPending('pinning', stale, batchLimit)) {
    await ports.ingestQueue.send({ kind: 'check-dag', cid: content.cid });
    report.rechecksQueued++;
  }

  for (const content of await ports.contents.listUnpinDue(now.toISOString(), batchLimit)) {
    // Someone may have uploaded the content again since its last holder left.
    if (await ports.contents.hasHolders(content.cid)) {
      await ports.contents.cancelUnpin(content.cid);
      report.unpinsCancelled++;
      continue;
    }
    // Send before marking: a crash in between re-sends, and unpinning twice is harmless.
    await ports.pinQueue.send({ op: 'unpin', cid: content.cid });
    await ports.contents.markUnpinRequested(content.cid, now.toISOString());
    report.unpinsRequested++;
  }
  return report;
}
