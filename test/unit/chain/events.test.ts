/** Raw logs to NFT events: topic0 and topic count tell ERC-721 from ERC-20. */
import { encodeAbiParameters, pad, toEventSelector } from 'viem';
import { describe, expect, it } from 'vitest';
import { eventsOf, TOPIC } from '../../../lambdas/core/chain/events.ts';
import type { ChainLog } from '../../../lambdas/core/ports.ts';

const ZERO = pad('0x0', { size: 32 });
const HOLDER = pad('0x70997970c51812dc3a010c7d01b50e0d17dc79c8', { size: 32 });
const word = (n: bigint) => pad(`0x${n.toString(16)}`, { size: 32 });
const MAX = 2n ** 256n - 1n;
const CONTRACT = '0x5FbDB2315678afecb367f032d93F642f64180aa3';

const log = (topics: string[], data = '0x'): ChainLog => ({
  address: CONTRACT,
  topics,
  data,
  blockNumber: 5,
  logIndex: 0,
});

describe('event topics', () => {
  it('are the keccak-256 of the canonical signatures', () => {
    expect(TOPIC).toEqual({
      Transfer: toEventSelector('Transfer(address,address,uint256)'),
      ConsecutiveTransfer: toEventSelector('ConsecutiveTransfer(uint256,uint256,address,address)'),
      TransferSingle: toEventSelector('TransferSingle(address,address,address,uint256,uint256)'),
      TransferBatch: toEventSelector('TransferBatch(address,address,address,uint256[],uint256[])'),
      URI: toEventSelector('URI(string,uint256)'),
      MetadataUpdate: toEventSelector('MetadataUpdate(uint256)'),
      BatchMetadataUpdate: toEventSelector('BatchMetadataUpdate(uint256,uint256)'),
    });
  });
});

describe('eventsOf', () => {
  const contract = CONTRACT.toLowerCase();

  it('an ERC-721 Transfer from the zero address, 4 topics, is a mint (any uint256 id)', () => {
    expect(eventsOf(log([TOPIC.Transfer, ZERO, HOLDER, word(MAX)]))).toEqual([
      { kind: 'mint', standard: 'erc721', contract, from: MAX, to: MAX },
    ]);
  });

  it('an ERC-20 Transfer (3 topics, value in data) is not an NFT', () => {
    const erc20 = log(
      [TOPIC.Transfer, ZERO, HOLDER],
      encodeAbiParameters([{ type: 'uint256' }], [10n ** 18n]),
    );
    expect(eventsOf(erc20)).toEqual([]);
  });

  it('transfers between holders and burns are not mints', () => {
    expect(eventsOf(log([TOPIC.Transfer, HOLDER, HOLDER, word(1n)]))).toEqual([]);
    expect(eventsOf(log([TOPIC.Transfer, HOLDER, ZERO, word(1n)]))).toEqual([]);
  });

  it('ERC-2309 ConsecutiveTransfer mints a range (fromAddress is topic2)', () => {
    const data = encodeAbiParameters([{ type: 'uint256' }], [4999n]);
    expect(eventsOf(log([TOPIC.ConsecutiveTransfer, word(0n), ZERO, HOLDER], data))).toEqual([
      { kind: 'mint', standard: 'erc721', contract, from: 0n, to: 4999n },
    ]);
    expect(eventsOf(log([TOPIC.ConsecutiveTransfer, word(0n), HOLDER, HOLDER], data))).toEqual([]);
  });

  it('ERC-1155 TransferSingle and TransferBatch from the zero address (topic2: topic1 is the operator)', () => {
    const single = encodeAbiParameters([{ type: 'uint256' }, { type: 'uint256' }], [MAX, 1n]);
    expect(eventsOf(log([TOPIC.TransferSingle, HOLDER, ZERO, HOLDER], single))).toEqual([
      { kind: 'mint', standard: 'erc1155', contract, from: MAX, to: MAX },
    ]);
    expect(eventsOf(log([TOPIC.TransferSingle, ZERO, HOLDER, HOLDER], single))).toEqual([]);
    const batch = encodeAbiParameters(
      [{ type: 'uint256[]' }, { type: 'uint256[]' }],
      [
        [10n, 11n],
        [1n, 2n],
      ],
    );
    expect(eventsOf(log([TOPIC.TransferBatch, HOLDER, ZERO, HOLDER], batch))).toEqual([
      { kind: 'mint', standard: 'erc1155', contract, from: 10n, to: 10n },
      { kind: 'mint', standard: 'erc1155', contract, from: 11n, to: 11n },
    ]);
  });

  it('URI carries its value; EIP-4906 updates carry their ids in data', () => {
    const uri = encodeAbiParameters([{ type: 'string' }], ['ipfs://x/{id}.json']);
    expect(eventsOf(log([TOPIC.URI, word(7n)], uri))).toEqual([
      { kind: 'uri', contract, id: 7n, uri: 'ipfs://x/{id}.json' },
    ]);
    const one = encodeAbiParameters([{ type: 'uint256' }], [3n]);
    expect(eventsOf(log([TOPIC.MetadataUpdate], one))).toEqual([
      { kind: 'refresh', contract, from: 3n, to: 3n },
    ]);
    const range = encodeAbiParameters([{ type: 'uint256' }, { type: 'uint256' }], [0n, MAX]);
    expect(eventsOf(log([TOPIC.BatchMetadataUpdate], range))).toEqual([
      { kind: 'refresh', contract, from: 0n, to: MAX },
    ]);
  });

  it('drops malformed, reversed and removed logs, and unknown topics', () => {
    expect(eventsOf(log([TOPIC.MetadataUpdate], '0x12'))).toEqual([]);
    const reversed = encodeAbiParameters([{ type: 'uint256' }, { type: 'uint256' }], [5n, 1n]);
    expect(eventsOf(log([TOPIC.BatchMetadataUpdate], reversed))).toEqual([]);
    expect(eventsOf({ ...log([TOPIC.Transfer, ZERO, HOLDER, word(1n)]), removed: true })).toEqual(
      [],
    );
    expect(eventsOf(log([TOPIC.Transfer, 'not hex', HOLDER, word(1n)]))).toEqual([]);
    expect(eventsOf(log([word(1n)]))).toEqual([]);
  });
});
