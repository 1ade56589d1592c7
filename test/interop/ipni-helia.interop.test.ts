/**
 * Helia finds pinstack by delegated routing alone: @helia/verified-fetch on a Helia node whose
 * only router is the local stack's `/routing/v1` (no public routers, no recursive gateways)
 * learns pinstack's gateway address from the routing answer, fetches the blocks from it as a
 * trustless gateway, and verifies every one against its CID.
 */
import { delegatedHTTPRouter } from '@helia/delegated-routing-client';
import { trustlessGatewayBlockBroker } from '@helia/trustless-gateway-client';
import { createVerifiedFetch, type VerifiedFetch } from '@helia/verified-fetch';
import { createHeliaLight } from 'helia';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiClient, createTestToken } from '../support/api-client.ts';
import { sameBytes, seededBytes } from '../support/ipfs-fixtures.ts';
import { type TestStack, withLocalStack } from '../support/local-stack.ts';

describe('@helia/verified-fetch with the local stack as its delegated router', () => {
  let stack: TestStack;
  let token: string;
  let verifiedFetch: VerifiedFetch;
  let router: string;

  beforeAll(async () => {
    stack = await withLocalStack();
    token = (await createTestToken(stack, 'helia-routing')).token;
    router = stack.gatewayUrl as string;
    // Nothing but the local routing, and blocks from whatever gateway it names (the local
    // one is plain HTTP on 127.0.0.1, hence insecure and local allowed).
    const helia = createHeliaLight({
      routers: [delegatedHTTPRouter({ url: router })],
      blockBrokers: [trustlessGatewayBlockBroker({ allowInsecure: true, allowLocal: true })],
    });
    verifiedFetch = await createVerifiedFetch(helia);
  });

  afterAll(async () => {
    await verifiedFetch?.stop();
    await stack?.stop();
  });

  it('fetches and verifies an uploaded multi-block file found through /routing/v1', async () => {
    const bytes = seededBytes(2 * 262_144 + 777, 91);
    const uploaded = await apiClient(stack).post('/upload', {
      token,
      body: new Blob([bytes]),
      headers: { 'content-type': 'application/octet-stream' },
    });
    expect(uploaded.status, uploaded.text).toBe(200);
    await stack.idle();
    const cid = uploaded.body.value.cid as string;
    // What Helia is told: pinstack, at the gateway, over HTTP.
    const answer = await fetch(`${router}/routing/v1/providers/${cid}`);
    expect(answer.status).toBe(200);

    const response = await verifiedFetch(`ipfs://${cid}`, { signal: AbortSignal.timeout(30_000) });
    expect(response.status).toBe(200);
    expect(sameBytes(new Uint8Array(await response.arrayBuffer()), bytes)).toBe('same');
  });
});
