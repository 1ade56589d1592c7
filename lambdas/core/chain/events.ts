/**
 * The NFT events in raw logs. One eth_getLogs asks for all seven topic0s; logs are then told
 * apart by topic0 and topic count: ERC-20's `Transfer` has ERC-721's topic0 but 3 topics (its
 * value is not indexed), so only 4-topic Transfers from the zero address are NFT mints.
 */
import { decodeAbiParameters } from 'viem';
import type { ChainLog } from '../ports.ts';

/** keccak-256 of the canonical signatures (a unit test recomputes them). */
export const TOPIC = {
  /** ERC-721 and ERC-20: Transfer(address indexed from, address indexed to, uint256 [indexed]). */
  Transfer: '0xddf252ad1be2c89b69c2b068fc378daa952ba7f163c4a11628f55a4df523b3ef',
  /** ERC-2309: ConsecutiveTransfer(uint256 indexed from, uint256 to, address indexed, address indexed). */
  ConsecutiveTransfer: '0xdeaa91b6123d068f5821d0fb0678463d1a8a6079fe8af5de3ce5e896dcf9133d',
  /** ERC-1155: TransferSingle(address indexed operator, from, to, uint256 id, uint256 value). */
  TransferSingle: '0xc3d58168c5ae7397731d063d5bbf3d657854427343f4c083240f7aacaa2d0f62',
  /** ERC-1155: TransferBatch(address indexed operator, from, to, uint256[] ids, uint256[] values). */
  TransferBatch: '0x4a39dc06d4c0dbc64b70af90fd698a233a518aa5d07e595d983b8c0526c8f7fb',
  /** ERC-1155: URI(string value, uint256 indexed id). */
  URI: '0x6bb7ff708619ba0610cba295a58592e0451dee2622938c8755667688daf3529b',
  /** EIP-4906: MetadataUpdate(uint256 tokenId), not indexed. */
  MetadataUpdate: '0xf8e1a15aba9398e019f0b49df1a4fde98ee17ae345cb5f6b5e2c27f5033e8ce7',
  /** EIP-4906: BatchMetadataUpdate(uint256 fromTokenId, uint256 toTokenId), not indexed. */
  BatchMetadataUpdate: '0x6bd5c950a8d8df17f772f5af37cb3655737899cbf903264b9795592da439661c',
} as const;

export const NFT_TOPICS: string[] = Object.values(TOPIC);

export type NftEvent =
  /** Tokens `from..to` came into existence (one id unless ERC-2309). */
  | { kind: 'mint'; standard: 'erc721' | 'erc1155'; contract: string; from: bigint; to: bigint }
  /** ERC-1155 announced the URI of `id` (uri(id) must return the same). */
  | { kind: 'uri'; contract: string; id: bigint; uri: string }
  /** EIP-4906: the URIs of `from..to` may have changed. */
  | { kind: 'refresh'; contract: string; from: bigint; to: bigint };

const isZero = (topic: string | undefined) => topic !== undefined && BigInt(topic) === 0n;
const word = (topic: string) => BigInt(topic);

const UINT = [{ type: 'uint256' }] as const;
const TWO_UINTS = [{ type: 'uint256' }, { type: 'uint256' }] as const;
const TWO_UINT_ARRAYS = [{ type: 'uint256[]' }, { type: 'uint256[]' }] as const;
const STRING = [{ type: 'string' }] as const;

/**
 * The NFT events of one log, in log order; a log that is not one (ERC-20, a transfer between
 * holders, a burn) or is malformed gives none.
 */
export function eventsOf(log: ChainLog): NftEvent[] {
  if (log.removed) return [];
  const [topic0, t1, t2, t3] = log.topics;
  const contract = log.address.toLowerCase();
  const data = log.data as `0x${string}`;
  try {
    switch (topic0) {
      case TOPIC.Transfer: {
        if (log.topics.length !== 4 || !isZero(t1)) return [];
        const id = word(t3 as string);
        return [{ kind: 'mint', standard: 'erc721', contract, from: id, to: id }];
      }
      case TOPIC.ConsecutiveTransfer: {
        if (log.topics.length !== 4 || !isZero(t2)) return [];
        const [to] = decodeAbiParameters(UINT, data);
        const from = word(t1 as string);
        return to < from ? [] : [{ kind: 'mint', standard: 'erc721', contract, from, to }];
      }
      case TOPIC.TransferSingle: {
        // topic1 is the operator: the minting `from` is topic2.
        if (log.topics.length !== 4 || !isZero(t2)) return [];
        const [id] = decodeAbiParameters(TWO_UINTS, data);
        return [{ kind: 'mint', standard: 'erc1155', contract, from: id, to: id }];
      }
      case TOPIC.TransferBatch: {
        if (log.topics.length !== 4 || !isZero(t2)) return [];
        const [ids] = decodeAbiParameters(TWO_UINT_ARRAYS, data);
        return ids.map((id) => ({ kind: 'mint', standard: 'erc1155', contract, from: id, to: id }));
      }
      case TOPIC.URI: {
        if (log.topics.length !== 2) return [];
        const [uri] = decodeAbiParameters(STRING, data);
        return [{ kind: 'uri', contract, id: word(t1 as string), uri }];
      }
      case TOPIC.MetadataUpdate: {
        if (log.topics.length !== 1) return [];
        const [id] = decodeAbiParameters(UINT, data);
        return [{ kind: 'refresh', contract, from: id, to: id }];
      }
      case TOPIC.BatchMetadataUpdate: {
        if (log.topics.length !== 1) return [];
        const [from, to] = decodeAbiParameters(TWO_UINTS, data);
        return to < from ? [] : [{ kind: 'refresh', contract, from, to }];
      }
      default:
        return [];
    }
  } catch {
    // Data that does not decode as the event's ABI: not an NFT event, whatever its topic.
    return [];
  }
}
