/** Block windows adapting to a provider's refusals, and the backoff used between retries. */
import { describe, expect, it } from 'vitest';
import { backoffMs, grow, shrink, windowAt } from '../../../lambdas/core/chain/window.ts';

describe('windows', () => {
  it('never reach past the target', () => {
    expect(windowAt(100, 2000, 150)).toEqual({ from: 100, to: 150 });
    expect(windowAt(100, 10, 150)).toEqual({ from: 100, to: 109 });
    expect(windowAt(100, 0, 150)).toEqual({ from: 100, to: 100 });
  });

  it('halve after a refusal without a suggestion', () => {
    expect(shrink({ from: 0, to: 1999 })).toEqual({ from: 0, to: 999 });
    expect(shrink({ from: 10, to: 12 })).toEqual({ from: 10, to: 10 });
  });

  it('take the range the provider suggested when it is smaller and starts there', () => {
    expect(shrink({ from: 0, to: 1999 }, 12)).toEqual({ from: 0, to: 12 });
    // A suggestion that is not smaller, or ends before the start, is ignored.
    expect(shrink({ from: 100, to: 199 }, 500)).toEqual({ from: 100, to: 149 });
    expect(shrink({ from: 100, to: 199 }, 50)).toEqual({ from: 100, to: 149 });
  });

  it('cannot shrink a single block', () => {
    expect(shrink({ from: 7, to: 7 })).toBeUndefined();
  });

  it('grow back after successes, up to the chain’s maximum', () => {
    const sizes = [125];
    for (let i = 0; i < 6; i++) sizes.push(grow(sizes.at(-1) as number, 2000));
    expect(sizes).toEqual([125, 250, 500, 1000, 2000, 2000, 2000]);
    expect(grow(0, 2000)).toBe(2);
  });

  it('shrinking then growing repeatedly converges on what the provider takes', () => {
    const providerMax = 300;
    let window = 2000;
    const accepted: number[] = [];
    for (let step = 0; step < 40; step++) {
      let range = windowAt(0, window, 10_000_000);
      let refused = false;
      while (range.to - range.from + 1 > providerMax) {
        range = shrink(range) ?? range;
        refused = true;
      }
      const size = range.to - range.from + 1;
      accepted.push(size);
      window = refused ? size : grow(window, 2000);
    }
    expect(Math.max(...accepted)).toBeLessThanOrEqual(providerMax);
    expect(Math.min(...accepted.slice(5))).toBeGreaterThan(providerMax / 4);
  });
});

describe('backoff', () => {
  it('waits a random time up to base * 2^attempt, capped', () => {
    expect(backoffMs(0, 250, 8000, () => 0.999)).toBe(249);
    expect(backoffMs(3, 250, 8000, () => 0.5)).toBe(1000);
    expect(backoffMs(10, 250, 8000, () => 0.999)).toBe(7992);
    expect(backoffMs(10, 250, 8000, () => 0)).toBe(0);
  });
});
