/**
 * withLocalStack(): the real catalog handlers behind the local gateway, as the rest of the
 * suite uses them, and back-to-back stacks in one process sharing warm handler modules.
 */
import { stat } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { readLocalStack } from '../../local/stack.ts';
import { withLocalStack } from '../support/local-stack.ts';

describe('withLocalStack', () => {
  it('serves the catalog handlers and cleans up its temp dir', async () => {
    const stack = await withLocalStack();
    try {
      expect((await readLocalStack(stack.dataDir)).apiUrl).toBe(stack.apiUrl);
      const version = await fetch(`${stack.apiUrl}/version`);
      expect(version.status).toBe(200);
      expect(version.headers.get('content-type')).toMatch(/json/);
      const unrouted = await fetch(`${stack.apiUrl}/upload`, { method: 'PUT' });
      expect(unrouted.status).toBe(404);
      expect(await unrouted.json()).toEqual({ message: 'Not Found' });
      await stack.idle();
    } finally {
      await stack.stop();
    }
    await expect(stat(stack.dataDir)).rejects.toThrow(/ENOENT/);
  });

  it('gives the next stack in the process the same endpoints, so warm handlers keep working', async () => {
    const first = await withLocalStack();
    const firstEnv = first.env;
    expect((await fetch(`${first.apiUrl}/version`)).status).toBe(200);
    await first.stop();

    const second = await withLocalStack();
    try {
      expect(second.env).toEqual(firstEnv);
      // The api-public module loaded above is reused and reaches the new emulators.
      const check = await fetch(
        `${second.apiUrl}/check/bafkreigh2akiscaildcqabsyg3dfr6chu3fgpregiymsck7e7aqa4s52zy`,
      );
      expect(check.status).not.toBe(500);
    } finally {
      await second.stop();
    }
  });
});
