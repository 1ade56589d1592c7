/**
 * The names of an on-chain token: chain id, contract address and uint256 token id, in the
 * forms the table is keyed by. Token ids are bigints end to end (any uint256, up to 2^256 − 1).
 */

export const MAX_UINT256 = 2n ** 256n - 1n;

export interface NftKey {
  chainId: number;
  /** Lower-case 0x address. */
  contract: string;
  tokenId: bigint;
}

/** A token id as 64 lower-case hex digits: sorts like the number, so id ranges are key ranges. */
export const tokenIdKey = (tokenId: bigint) => tokenId.toString(16).padStart(64, '0');

export const tokenIdFromKey = (key: string) => BigInt(`0x${key}`);

/** A decimal uint256 (leading zeros allowed), or undefined. */
export function parseTokenId(text: string): bigint | undefined {
  if (!/^\d{1,80}$/.test(text)) return undefined;
  const id = BigInt(text);
  return id <= MAX_UINT256 ? id : undefined;
}

/** A 0x address in any letter case, lower-cased; undefined when it is not one. */
export function parseAddress(text: string): string | undefined {
  return /^0x[0-9a-fA-F]{40}$/.test(text) ? text.toLowerCase() : undefined;
}

/** A chain id: a positive decimal integer that a JavaScript number holds exactly. */
export function parseChainId(text: string): number | undefined {
  if (!/^[1-9]\d{0,15}$/.test(text)) return undefined;
  const id = Number(text);
  return Number.isSafeInteger(id) ? id : undefined;
}

/** One string per token, for maps and sets. */
export const nftKeyString = (key: NftKey) =>
  `${key.chainId}#${key.contract}#${tokenIdKey(key.tokenId)}`;
