/**
 * What must hold between uploads, holds and content whatever a crash interrupted, once the
 * pin-status cron has run (and the usage totals, once the stats cron has): checked on the fakes' state (unit tests) and on a scan of the real
 * table (the local stack's crash tests) alike.
 */
import type { ContentRecord, Tally, UploadRecord } from '../../lambdas/core/ports.ts';

export interface StoreState {
  uploads: Pick<UploadRecord, 'userId' | 'cid' | 'deleted'>[];
  contents: Pick<
    ContentRecord,
    'cid' | 'structure' | 'pinStatus' | 'unpinAfter' | 'unpinRequested'
  >[];
  /** Holds by content: `<userId>#<cid>` of the upload each one stands for. */
  holds: { cid: string; holder: string }[];
}

/**
 * What is inconsistent, as readable lines (none: consistent): a hold without a live upload,
 * content without a hold and no unpin scheduled, a live upload without its content, and
 * `pinned` content that is not complete.
 */
export function inconsistencies(state: StoreState): string[] {
  const problems: string[] = [];
  const live = new Set(state.uploads.filter((u) => !u.deleted).map((u) => `${u.userId}#${u.cid}`));
  const held = new Set(state.holds.map((hold) => hold.cid));
  for (const { cid, holder } of state.holds) {
    if (!live.has(holder)) problems.push(`hold ${holder} of ${cid} has no live upload`);
  }
  for (const content of state.contents) {
    const unpinScheduled = content.unpinAfter !== undefined || content.unpinRequested !== undefined;
    if (!held.has(content.cid) && !unpinScheduled) {
      problems.push(`content ${content.cid} has no hold and no scheduled unpin`);
    }
    if (content.pinStatus === 'pinned' && content.structure !== 'complete') {
      problems.push(`content ${content.cid} is pinned but ${content.structure}`);
    }
  }
  const contents = new Set(state.contents.map((content) => content.cid));
  for (const upload of state.uploads) {
    if (!upload.deleted && !contents.has(upload.cid)) {
      problems.push(`upload ${upload.userId}#${upload.cid} has no content`);
    }
  }
  return problems;
}

/**
 * The usage totals, as the records say they should be (counted here apart from the code under
 * test): each stored content once with its size and pin, live uploads, users and deals. /stats
 * must show them once every record is settled and, after a crash, once the stats cron has run.
 */
export function expectedTotals(records: {
  contents: Pick<ContentRecord, 'size' | 'pinStatus' | 'unpinRequested'>[];
  uploads: Pick<UploadRecord, 'deleted'>[];
  users: number;
  deals: number;
}): Tally {
  const stored = records.contents.filter((content) => !content.unpinRequested);
  const tally: Tally = {
    contents: stored.length,
    bytes: stored.reduce((total, content) => total + (content.size ?? 0), 0),
    uploads: records.uploads.filter((upload) => !upload.deleted).length,
    users: records.users,
    deals: records.deals,
  };
  for (const content of stored) {
    tally[`pins.${content.pinStatus}`] = (tally[`pins.${content.pinStatus}`] ?? 0) + 1;
  }
  return Object.fromEntries(Object.entries(tally).filter(([, n]) => n !== 0));
}
