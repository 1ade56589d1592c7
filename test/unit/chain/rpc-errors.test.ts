/** Provider errors, in the shapes providers send them, to what the scraper does next. */
import { describe, expect, it } from 'vitest';
import {
  classifyRpcError,
  httpFailure,
  revertReason,
} from '../../../lambdas/core/chain/rpc-errors.ts';

describe('classifyRpcError', () => {
  it.each([
    [
      'Infura, too many results (suggests a range in data)',
      {
        code: -32005,
        message: 'query returned more than 10000 results. Try with this block range [0x0, 0xc].',
        data: { from: '0x0', limit: 10000, to: '0xc' },
      },
      12,
    ],
    [
      'Infura, range over its limit',
      { code: -32602, message: 'range 20027 exceeds limit of 10000' },
      undefined,
    ],
    [
      'Alchemy, response size (range in the message)',
      {
        code: -32602,
        message:
          'Log response size exceeded. You can make eth_getLogs requests with up to a 2K block range and no limit on the response size, or you can request any block range with a cap of 10K logs in the response. Based on your parameters and the response size limit, this block range should work: [0x0, 0x1f3]',
      },
      0x1f3,
    ],
    [
      'Alchemy, free-tier range',
      {
        code: -32600,
        message:
          'You can make eth_getLogs requests with up to a 500 block range. Based on your parameters, this block range should work: [0x10, 0x203]',
      },
      0x203,
    ],
    [
      'geth-style',
      { code: -32000, message: 'block range is bigger than maxBlockRange' },
      undefined,
    ],
    ['a query timeout', { code: -32005, message: 'query timeout exceeded' }, undefined],
  ])('%s is a refusal', (_name, error, suggestedTo) => {
    const failure = classifyRpcError('eth_getLogs', error);
    expect(failure.kind).toBe('refused');
    expect(failure.details.suggestedTo).toBe(suggestedTo);
  });

  it('recognises reverts in geth’s and Hardhat’s shapes', () => {
    expect(
      classifyRpcError('eth_call', { code: 3, message: 'execution reverted', data: '0x7e273289' }),
    ).toMatchObject({
      kind: 'reverted',
      details: { revertData: '0x7e273289' },
    });
    expect(classifyRpcError('eth_call', { code: -32000, message: 'execution reverted' }).kind).toBe(
      'reverted',
    );
    expect(
      classifyRpcError('eth_call', {
        code: -32603,
        message: 'VM Exception while processing transaction: revert',
        data: { data: '0x08c379a0' },
      }).details.revertData,
    ).toBe('0x08c379a0');
  });

  it('treats throttling and node trouble as transient', () => {
    for (const error of [
      { code: -32005, message: 'daily request count exceeded, request rate limited' },
      { code: 429, message: 'Too Many Requests' },
      { code: -32603, message: 'internal error' },
      { code: -32000, message: 'header not found' },
    ]) {
      expect(classifyRpcError('eth_getLogs', error).kind, error.message).toBe('transient');
    }
  });

  it('anything else fails, and a refusal only concerns eth_getLogs', () => {
    expect(
      classifyRpcError('eth_getLogs', { code: -32601, message: 'the method does not exist' }).kind,
    ).toBe('failed');
    expect(
      classifyRpcError('eth_call', { code: -32602, message: 'range 5 exceeds limit of 1' }).kind,
    ).toBe('failed');
    expect(classifyRpcError('eth_call', {}).message).toMatch(/eth_call: JSON-RPC error/);
  });

  it('quotes a provider’s message boundedly', () => {
    const failure = classifyRpcError('eth_getLogs', { code: -1, message: 'x'.repeat(5000) });
    expect(failure.message.length).toBeLessThan(300);
  });
});

describe('httpFailure', () => {
  it('retries 429, 408 and 5xx, and fails other statuses', () => {
    expect(httpFailure('eth_call', 429).kind).toBe('transient');
    expect(httpFailure('eth_call', 503).kind).toBe('transient');
    expect(httpFailure('eth_call', 408).kind).toBe('transient');
    expect(httpFailure('eth_call', 401).kind).toBe('failed');
    expect(httpFailure('eth_call', 404).kind).toBe('failed');
  });
});

describe('revertReason', () => {
  it('names the error selector, or says there was no data', () => {
    expect(
      revertReason('0x7e2732890000000000000000000000000000000000000000000000000000000000000007'),
    ).toBe('reverted with 0x7e273289…');
    expect(revertReason('0x')).toBe('reverted without data');
    expect(revertReason(undefined)).toBe('reverted without data');
  });
});
