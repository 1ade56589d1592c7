/**
 * GET /metrics behind METRICS_TOKEN (missing and unknown tokens refused in the error envelope),
 * the gauges a scheduled job reports (the scraper's lag per chain) exported as Prometheus
 * families, and /status.json degraded by a job without a success in twice its period and by
 * dead letters — on the in-process API over in-memory ports.
 */
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { assessStatus } from '../../../lambdas/core/status.ts';
import { prometheusText } from '../../../lambdas/http/ops-views.ts';
import { inProcessApi } from '../../support/in-process-api.ts';
import { parsePrometheusText } from '../../support/prometheus.ts';

const SECRET = 'scraper-of-metrics';
const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');
const fresh = { STATS_CACHE_SECONDS: '0' };

describe('GET /metrics', () => {
  it('asks for the metrics token when one is set, and refuses a missing or unknown one', async () => {
    const api = await inProcessApi({ ...fresh, METRICS_TOKEN: sha256(SECRET) });
    const missing = await api.request('GET', '/metrics', { token: null });
    expect(missing.status).toBe(401);
    expect(missing.json).toMatchObject({ ok: false, error: { code: 'EXPECTED_BEARER_STRING' } });
    const unknown = await api.request('GET', '/metrics', { token: 'not-the-secret' });
    expect(unknown.status).toBe(401);
    expect(unknown.json).toMatchObject({ ok: false, error: { code: 'ERROR_TOKEN_NOT_FOUND' } });
    // An API key is not the metrics token.
    expect((await api.request('GET', '/metrics')).status).toBe(401);
    const granted = await api.request('GET', '/metrics', { token: SECRET });
    expect(granted.status).toBe(200);
    expect(granted.documentProblems).toEqual([]);
    expect(parsePrometheusText(granted.text).get('pinstack_contents')?.samples).toHaveLength(1);
  });

  it('is open when no token is set', async () => {
    const api = await inProcessApi(fresh);
    expect((await api.request('GET', '/metrics', { token: null })).status).toBe(200);
  });

  it('exports the gauges a job reports, such as the scraper lag per chain in blocks', async () => {
    const api = await inProcessApi(fresh);
    await api.ports.ops.recordRun('scraper', {
      ok: true,
      at: api.ports.clock.now().toISOString(),
      durationMs: 1500,
      gauges: [
        { name: 'scraper_lag_blocks', labels: { chain: 'ethereum' }, value: 12 },
        { name: 'scraper_lag_blocks', labels: { chain: 'polygon' }, value: 340 },
        { name: 'Not A Name', labels: {}, value: 1 },
      ],
    });
    const families = parsePrometheusText((await api.request('GET', '/metrics')).text);
    expect(families.get('pinstack_scraper_lag_blocks')?.samples).toEqual([
      { name: 'pinstack_scraper_lag_blocks', labels: { chain: 'ethereum' }, value: 12 },
      { name: 'pinstack_scraper_lag_blocks', labels: { chain: 'polygon' }, value: 340 },
    ]);
    expect(families.get('pinstack_cron_last_duration_seconds')?.samples[0]?.value).toBe(1.5);
    expect([...families.keys()].filter((name) => /\s/.test(name))).toEqual([]);
  });

  it('escapes label values so the text still parses', () => {
    const text = prometheusText(
      {},
      {
        checked: '2024-01-01T00:00:00.000Z',
        table: true,
        progress: [],
        queues: [],
        crons: [
          {
            name: 'odd "job"\\\nname',
            lastSuccess: '2024-01-01T00:00:00.000Z',
            gauges: [{ name: 'lag', labels: { chain: 'a"b\\c\nd', 'bad-label': 'x' }, value: 1 }],
          },
        ],
      },
      { status: 'operational', checked: '2024-01-01T00:00:00.000Z', components: [] },
    );
    const families = parsePrometheusText(text);
    expect(families.get('pinstack_lag')?.samples[0]?.labels).toEqual({ chain: 'a"b\\c\nd' });
    expect(
      families.get('pinstack_cron_last_success_timestamp_seconds')?.samples[0]?.labels.cron,
    ).toBe('odd "job"\\\nname');
  });
});

describe('GET /status.json', () => {
  const component = async (api: Awaited<ReturnType<typeof inProcessApi>>, name: string) => {
    const { json } = await api.request('GET', '/status.json', { token: null });
    return json.components.find((c: { name: string }) => c.name === name);
  };

  it('shows a job with no successful run in twice its period as degraded', async () => {
    const api = await inProcessApi(fresh);
    const at = api.ports.clock.now().toISOString();
    await api.ports.ops.recordRun('pin-status', { ok: true, at, durationMs: 10 });
    expect((await component(api, 'pinning')).status).toBe('operational');
    api.ports.clock.advance(31 * 60_000);
    const late = await component(api, 'pinning');
    expect(late.status).toBe('degraded');
    expect(late.detail.join(' ')).toMatch(/no successful run for 31 minutes \(every 15\)/);
  });

  it('shows dead letters as degraded, and a queue SQS does not answer for as down', () => {
    const base = { checked: '2024-01-01T00:00:00.000Z', table: true, crons: [], progress: [] };
    const depth = { visible: 0, inFlight: 0, delayed: 0 };
    const pinning = (queues: Parameters<typeof assessStatus>[0]['queues']) =>
      assessStatus({ ...base, queues }).components.find((c) => c.name === 'pinning');
    expect(pinning([{ queue: 'pinQueue', name: 'q', depth, deadLetters: 0 }])?.status).toBe(
      'operational',
    );
    const dead = pinning([{ queue: 'pinQueue', name: 'q', depth, deadLetters: 2 }]);
    expect(dead?.status).toBe('degraded');
    expect(dead?.detail).toContain('pinQueue: 2 message(s) failed after every retry');
    expect(pinning(undefined)?.status).toBe('down');
  });

  it('reports the time of its check and every part', async () => {
    const api = await inProcessApi(fresh);
    const { json, headers, documentProblems } = await api.request('GET', '/status.json', {
      token: null,
    });
    expect(documentProblems).toEqual([]);
    expect(json.checked).toBe(api.ports.clock.now().toISOString());
    expect(json.components.map((c: { name: string }) => c.name)).toEqual([
      'api',
      'ingest',
      'pinning',
      'scraper',
    ]);
    expect(headers['cache-control']).toBe('public, max-age=0');
  });
});
