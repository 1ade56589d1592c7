/**
 * The pin queue's dead-letter consumer: a message whose retries ran out closes its pins'
 * state machine instead of leaving them `queued` or `pinning` for ever. A pin becomes `failed`
 * with the last error it met; that failure is retried by the cron while its grace period
 * lasts. An unpin that kept failing is scheduled again for later.
 */
import { pinMessageCids } from '../../contract/messages.ts';
import { QUEUE_POLICY } from '../../system/functions.ts';
import { nextFailure, type PinJob, type PinWorkerSettings } from './pinning.ts';
import type { Clock, ContentRecord, ContentStore } from './ports.ts';

export interface DeadLetterPorts {
  contents: ContentStore;
  clock: Clock;
}

/** How long a dead-lettered unpin waits before the cron requests it again. */
export const UNPIN_RETRY_MS = 60 * 60_000;

export interface DeadLetterReport {
  failed: number;
  unpinsRescheduled: number;
  skipped: number;
}

export async function giveUpPins(
  jobs: readonly PinJob[],
  ports: DeadLetterPorts,
  settings: Pick<PinWorkerSettings, 'PIN_FETCH_RETRIES' | 'PIN_FAILED_GRACE_HOURS'>,
): Promise<DeadLetterReport> {
  const report: DeadLetterReport = { failed: 0, unpinsRescheduled: 0, skipped: 0 };
  for (const job of jobs) {
    for (const cid of pinMessageCids(job.message)) {
      const content = await ports.contents.get(cid);
      const now = ports.clock.now();
      if (job.message.op === 'unpin') {
        if (content?.unpinRequested) {
          await ports.contents.rescheduleUnpin(
            cid,
            new Date(now.getTime() + UNPIN_RETRY_MS).toISOString(),
          );
          report.unpinsRescheduled++;
        } else report.skipped++;
        continue;
      }
      // Pinned meanwhile (another delivery got through), failed already, or gone: nothing to do.
      if (!content || content.pinStatus === 'pinned' || content.pinStatus === 'failed') {
        report.skipped++;
        continue;
      }
      const message = `gave up after ${QUEUE_POLICY.maxReceiveCount} attempts: ${lastError(content)}`;
      const at = now.toISOString();
      await ports.contents.recordFailure(
        cid,
        nextFailure(content.failure, 'gave-up', message, at, settings),
        at,
      );
      report.failed++;
    }
  }
  return report;
}

function lastError(content: ContentRecord): string {
  const erring = Object.entries(content.providers ?? {}).find(([, state]) => state.error);
  if (erring) return `${erring[0]}: ${erring[1].error}`;
  if (content.fetch) return 'fetching the DAG failed every time';
  return 'every attempt failed';
}
