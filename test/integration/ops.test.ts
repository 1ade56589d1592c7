/**
 * The operator's routes on the local stack: /stats exact through duplicates and deletes,
 * /status degraded by a stopped consumer and by a failing cron, /metrics in the Prometheus
 * text format, and deals reported twice stored once and shown on /check and GET /{cid}.
 */
import { SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runJob } from '../../cli/run.ts';
import { createToken } from '../../lambdas/core/tokens.ts';
import { createClients } from '../../lambdas/shared/clients.ts';
import { loadConfig } from '../../lambdas/shared/config.ts';
import { createScheduledHandler } from '../../lambdas/shared/schedule-handler.ts';
import { identityPorts, systemClock } from '../../lambdas/shared/wiring.ts';
import { functions } from '../../system/functions.ts';
import { apiClient } from '../support/api-client.ts';
import { type TestStack, withLocalStack } from '../support/local-stack.ts';
import { parsePrometheusText } from '../support/prometheus.ts';

let stack: TestStack;
let user: string;
let admin: string;

beforeAll(async () => {
  process.env.STATS_CACHE_SECONDS = '0';
  // No ingest consumer: the ingest queue's messages wait, as if its consumer had stopped.
  stack = await withLocalStack({ functions: functions.filter((fn) => fn.name !== 'ingest') });
  const config = loadConfig({ ...process.env, ...stack.env });
  const clients = createClients(config);
  try {
    const ports = { ...identityPorts(config, clients), clock: systemClock };
    user = (await createToken({ userId: 'ops-user' }, ports)).token;
    admin = (await createToken({ userId: 'ops-admin', admin: true }, ports)).token;
  } finally {
    clients.destroy();
  }
});

afterAll(async () => {
  delete process.env.STATS_CACHE_SECONDS;
  await stack?.stop();
});

const upload = async (text: string, token = user) => {
  const response = await fetch(`${stack.apiUrl}/upload`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'text/plain' },
    body: text,
  });
  expect(response.status).toBe(200);
  return ((await response.json()) as { value: { cid: string } }).value.cid;
};

describe('the operator routes', () => {
  it('/stats counts content once, uploads while they live, and users', async () => {
    const api = apiClient(stack);
    const shared = await upload('ops shared');
    await upload('ops shared');
    await upload('ops shared', admin);
    const gone = await upload('ops deleted');
    expect((await api.delete(`/${gone}`, { token: user })).status).toBe(202);
    const stats = await api.get('/stats');
    expect(stats.status).toBe(200);
    expect(stats.body.data).toMatchObject({
      contents_total: 2,
      contents_bytes_total: 'ops shared'.length + 'ops deleted'.length,
      uploads_total: 2,
      users_total: 2,
      pins_total: { pinned: 2, pinning: 0, queued: 0, failed: 0 },
    });
    expect(shared).toMatch(/^bafk/);
  });

  it('records a deal reported twice once, shows it on /check and GET /{cid}, and refuses a user key', async () => {
    const api = apiClient(stack);
    const cid = await upload('ops with a deal');
    const deal = {
      cid,
      dealId: 4242,
      pieceCid: 'baga6ea4seaqexample',
      provider: 'f01234',
      status: 'active',
      activation: '2024-01-02T03:04:05Z',
    };
    const post = (token: string, deals: unknown[] = [deal]) =>
      api.post('/deals', {
        token,
        body: JSON.stringify({ deals }),
        headers: { 'content-type': 'application/json' },
      });
    const refused = await post(user);
    expect(refused.status).toBe(403);
    expect(refused.body.error.code).toBe('ERROR_FORBIDDEN');
    expect((await post(admin)).body).toEqual({ ok: true, value: { recorded: 1, unchanged: 0 } });
    expect((await post(admin)).body).toEqual({ ok: true, value: { recorded: 0, unchanged: 1 } });
    const check = await api.get(`/check/${cid}`);
    expect(check.body.value.deals).toEqual([
      expect.objectContaining({
        status: 'active',
        chainDealID: 4242,
        pieceCid: deal.pieceCid,
        miner: 'f01234',
        network: 'mainnet',
        dealActivation: deal.activation,
      }),
    ]);
    expect((await api.get(`/${cid}`, { token: user })).body.value.deals).toHaveLength(1);
    expect((await api.get('/stats')).body.data.deals_total).toBe(1);
    const unknown = await post(admin, [
      { ...deal, cid: 'bafkreidvbhs33ighmljlvr7zbv2ywwzcmp5adtf4kqvlly67cy56bdtmve' },
    ]);
    expect(unknown.status).toBe(404);
  });

  it('/status reports a stopped consumer as degraded, and so does a failing cron', async () => {
    const api = apiClient(stack);
    const before = await api.get('/status.json');
    expect(before.body.components.find((c: { name: string }) => c.name === 'ingest').status).toBe(
      'operational',
    );
    const sqs = new SQSClient({ region: stack.region, endpoint: stack.env.PINSTACK_SQS_ENDPOINT });
    try {
      await sqs.send(
        new SendMessageCommand({
          QueueUrl: stack.env.INGEST_QUEUE_URL,
          MessageBody: JSON.stringify({ kind: 'check-dag', cid: 'bafkreiwaiting' }),
        }),
      );
    } finally {
      sqs.destroy();
    }
    const stopped = await api.get('/status.json');
    const ingest = stopped.body.components.find((c: { name: string }) => c.name === 'ingest');
    expect(ingest.status).toBe('degraded');
    expect(stopped.body.status).toBe('degraded');

    const failing = createScheduledHandler('scraper', async () => {
      throw new Error('the chain is unreachable');
    });
    await expect(
      runJob('scraper', { dataDir: stack.dataDir, loadHandler: () => failing, print: () => {} }),
    ).rejects.toThrow(/unreachable/);
    const cron = await api.get('/status.json');
    const scraper = cron.body.components.find((c: { name: string }) => c.name === 'scraper');
    expect(scraper.status).toBe('degraded');
    expect(scraper.detail.join(' ')).toMatch(/last run failed/);

    const page = await fetch(`${stack.apiUrl}/status`);
    expect(page.headers.get('content-type')).toMatch(/^text\/html/);
    const html = await page.text();
    expect(html).toContain('pinstack is <span');
    expect(html).not.toContain('<script');
  });

  it('/metrics parses as Prometheus text and carries the totals and the queues', async () => {
    const response = await fetch(`${stack.apiUrl}/metrics`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
    const families = parsePrometheusText(await response.text());
    const value = (name: string, labels: Record<string, string> = {}) =>
      families
        .get(name)
        ?.samples.find((s) => Object.entries(labels).every(([k, v]) => s.labels[k] === v))?.value;
    const stats = (await apiClient(stack).get('/stats')).body.data;
    expect(value('pinstack_contents')).toBe(stats.contents_total);
    expect(value('pinstack_content_bytes')).toBe(stats.contents_bytes_total);
    expect(value('pinstack_pins', { status: 'pinned' })).toBe(stats.pins_total.pinned);
    expect(value('pinstack_queue_messages', { queue: 'ingestQueue', state: 'visible' })).toBe(1);
    expect(value('pinstack_dead_letter_messages', { queue: 'pinQueue' })).toBe(0);
    expect(
      value('pinstack_cron_last_failure_timestamp_seconds', { cron: 'scraper' }),
    ).toBeGreaterThan(0);
    for (const family of families.values()) expect(family.type, family.name).toBe('gauge');
  });
});
