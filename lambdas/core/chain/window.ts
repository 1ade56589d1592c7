/**
 * Block windows that adapt to the provider: a refused eth_getLogs range (too many blocks or
 * too many results) is cut — to the range the provider suggested when it did, else in half —
 * and every accepted one lets the next window grow back, up to the chain's `windowBlocks`.
 */

export interface BlockRange {
  from: number;
  to: number;
}

/** The next window from `next`, at most `size` blocks, never past `target`. */
export function windowAt(next: number, size: number, target: number): BlockRange {
  return { from: next, to: Math.min(target, next + Math.max(1, size) - 1) };
}

/**
 * The smaller range to ask after a refusal, or undefined when a one-block range was refused
 * (nothing smaller exists). A suggestion is used only when it really is smaller and starts here.
 */
export function shrink(range: BlockRange, suggestedTo?: number): BlockRange | undefined {
  if (range.to <= range.from) return undefined;
  if (suggestedTo !== undefined && suggestedTo >= range.from && suggestedTo < range.to) {
    return { from: range.from, to: suggestedTo };
  }
  const half = Math.floor((range.to - range.from + 1) / 2);
  return { from: range.from, to: range.from + half - 1 };
}

/** The window after an accepted query: twice as large, up to the chain's maximum. */
export function grow(window: number, max: number): number {
  return Math.min(max, Math.max(1, window) * 2);
}

export const rangeSize = (range: BlockRange) => range.to - range.from + 1;

/**
 * Full-jitter exponential backoff: a random wait up to `baseMs * 2^attempt`, capped, so
 * clients throttled together do not come back together.
 */
export function backoffMs(attempt: number, baseMs: number, capMs: number, random = Math.random) {
  return Math.floor(random() * Math.min(capMs, baseMs * 2 ** attempt));
}
