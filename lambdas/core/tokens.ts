/** Admin operations on users and API tokens (used by the CLI). */
import { mintToken } from '../codecs/token.ts';
import type { Clock, StatsStore, TokenRecord, TokenStore, UserStore } from './ports.ts';
import { settle } from './stats.ts';

export interface TokenPorts {
  users: UserStore;
  tokens: TokenStore;
  /** Counts the new user (the CLI always passes it; else the recompute cron counts them). */
  stats?: StatsStore;
  clock: Clock;
}

export const USER_ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._@+-]{0,127}$/;

export async function createToken(
  input: { userId: string; name?: string; admin?: boolean },
  ports: TokenPorts,
): Promise<{ token: string; record: TokenRecord }> {
  if (!USER_ID_PATTERN.test(input.userId)) {
    throw new Error(
      `Invalid user id "${input.userId}": use 1-128 letters, digits or . _ @ + - (starting with a letter or digit)`,
    );
  }
  const now = ports.clock.now().toISOString();
  await ports.users.ensure(input.userId, now);
  if (ports.stats)
    await settle({ kind: 'user', userId: input.userId }, { ...ports, stats: ports.stats });
  const minted = mintToken();
  const record: TokenRecord = {
    tokenId: minted.tokenId,
    userId: input.userId,
    name: input.name?.trim() || `token ${now}`,
    secretHash: minted.secretHash,
    created: now,
    ...(input.admin ? { admin: true } : {}),
  };
  await ports.tokens.put(record);
  return { token: minted.token, record };
}

export function listTokens(userId: string, ports: Pick<TokenPorts, 'tokens'>) {
  return ports.tokens.listByUser(userId);
}

export function revokeToken(tokenId: string, ports: Pick<TokenPorts, 'tokens' | 'clock'>) {
  return ports.tokens.revoke(tokenId, ports.clock.now().toISOString());
}
