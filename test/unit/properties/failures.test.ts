/**
 * Failure messages whatever text goes into them: at most MAX_FAILURE_MESSAGE characters, no
 * control characters (C0, DEL or C1, which terminals and log viewers act on), and quoted
 * input cut to a short excerpt.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { failure, MAX_FAILURE_MESSAGE, quote } from '../../../lambdas/core/failures.ts';

const text = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 700 }),
  fc.string({ unit: fc.constantFrom('a', '\u0000', '\n', '\u001b', '\u0085', '\u009b', 'é') }),
  fc.integer({ min: 490, max: 2000 }).map((n) => 'm'.repeat(n)),
);

const CONTROL = /\p{Cc}/u;

describe('failure messages', () => {
  it('quote any input as a short excerpt without control characters', () => {
    fc.assert(
      fc.property(text, fc.integer({ min: 1, max: 200 }), (input, max) => {
        const quoted = quote(input, max);
        expect(quoted).not.toMatch(CONTROL);
        expect(quoted.length).toBeLessThanOrEqual(max + ` (${input.length} characters)`.length + 1);
      }),
      { numRuns: 500 },
    );
  });

  it('are at most MAX_FAILURE_MESSAGE characters, whatever they are built from', () => {
    fc.assert(
      fc.property(text, (input) => {
        const messages = [
          failure.invalidRequest(input).message,
          failure.invalidPath(`invalid path "${quote(input)}": ${input}`).message,
          failure.invalidCar('unparseable', input).message,
          failure.invalidCid(input).message,
        ];
        for (const message of messages) {
          expect(message.length).toBeLessThanOrEqual(MAX_FAILURE_MESSAGE);
        }
        expect(failure.invalidCid(input).message).not.toMatch(CONTROL);
      }),
      { numRuns: 500 },
    );
  });
});
