/**
 * Where the content commands send requests: --endpoint, else PINSTACK_ENDPOINT (checked like
 * every setting, so a malformed one is a usage error naming it), and the token they need.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { ContentUsageError, contentTarget } from '../../../cli/content.ts';

const saved = { ...process.env };

afterEach(() => {
  process.env = { ...saved };
});

describe('content commands: the target', () => {
  it('takes --endpoint over PINSTACK_ENDPOINT, and PINSTACK_ENDPOINT over the local stack', async () => {
    process.env.PINSTACK_ENDPOINT = 'https://api.example.com/v1';
    expect((await contentTarget({ token: 'k' })).endpoint.href).toBe('https://api.example.com/v1/');
    const flag = await contentTarget({ endpoint: 'https://other.example.com', token: 'k' });
    expect(flag.endpoint.href).toBe('https://other.example.com/');
  });

  it('refuses a malformed PINSTACK_ENDPOINT by name, and says which token it needs', async () => {
    process.env.PINSTACK_ENDPOINT = 'not a url';
    const bad = await contentTarget({ token: 'k' }).catch((error: unknown) => error);
    expect(bad).toBeInstanceOf(ContentUsageError);
    expect((bad as Error).message).toMatch(/PINSTACK_ENDPOINT/);
    process.env.PINSTACK_ENDPOINT = 'https://api.example.com';
    delete process.env.PINSTACK_TOKEN;
    await expect(contentTarget({})).rejects.toThrow(
      /needs an API key for https:\/\/api\.example\.com: --token <key> or PINSTACK_TOKEN/,
    );
  });
});
