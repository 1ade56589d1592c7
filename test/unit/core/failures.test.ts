import { describe, expect, it } from 'vitest';
import { failure, MAX_FAILURE_MESSAGE, quote } from '../../../lambdas/core/failures.ts';

describe('failure messages', () => {
  it('cut a long message to exactly MAX_FAILURE_MESSAGE characters, ellipsis included', () => {
    const message = failure.invalidRequest('m'.repeat(MAX_FAILURE_MESSAGE + 1)).message;
    expect(message).toBe(`${'m'.repeat(MAX_FAILURE_MESSAGE - 1)}…`);
    expect(message).toHaveLength(MAX_FAILURE_MESSAGE);
    expect(failure.invalidRequest('m'.repeat(MAX_FAILURE_MESSAGE)).message).toHaveLength(
      MAX_FAILURE_MESSAGE,
    );
  });

  it('quote input without C0, DEL or C1 control characters (NEL, 8-bit CSI)', () => {
    expect(quote('a\u0000b\nc\u007fd\u0085e\u009b31m')).toBe('a?b?c?d?e?31m');
    expect(failure.invalidCid('\u009b2J').message).toBe('Invalid CID: ?2J');
  });
});
