/**
 * API token format: `pst_<tokenId>_<secret>`. The id locates the token record with one GetItem;
 * the 256-bit secret is only ever stored as its SHA-256 and compared in constant time.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

const PREFIX = 'pst';
const TOKEN_PATTERN = /^pst_([a-z2-7]{16})_([A-Za-z0-9_-]{43})$/;
const BASE32 = 'abcdefghijklmnopqrstuvwxyz234567';

export interface ParsedToken {
  tokenId: string;
  secret: string;
}

export function parseToken(token: string): ParsedToken | undefined {
  const match = TOKEN_PATTERN.exec(token);
  if (!match?.[1] || !match[2]) return undefined;
  return { tokenId: match[1], secret: match[2] };
}

export function hashSecret(secret: string): string {
  return createHash('sha256').update(secret).digest('hex');
}

export function secretMatches(secret: string, expectedHash: string): boolean {
  const actual = Buffer.from(hashSecret(secret), 'hex');
  const expected = Buffer.from(expectedHash, 'hex');
  return actual.length === expected.length && timingSafeEqual(actual, expected);
}

/** A fresh token: a 80-bit random id and a 256-bit random secret. */
export function mintToken(random: (size: number) => Uint8Array = randomBytes): {
  token: string;
  tokenId: string;
  secretHash: string;
} {
  const tokenId = [...random(16)].map((byte) => BASE32[byte % 32]).join('');
  const secret = Buffer.from(random(32)).toString('base64url');
  return { token: `${PREFIX}_${tokenId}_${secret}`, tokenId, secretHash: hashSecret(secret) };
}
