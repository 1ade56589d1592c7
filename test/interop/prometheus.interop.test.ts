/**
 * GET /metrics read by the Prometheus project's own text-format parser (prometheus_client's
 * `text_string_to_metric_families`), which must find exactly the families and samples that
 * test/support/prometheus.ts (the strict reader the other tests use) finds — usage totals,
 * queues, jobs, a job's gauges, and label values that need escaping.
 */
import { execFile } from 'node:child_process';
import { beforeAll, describe, expect, it } from 'vitest';
import { inProcessApi } from '../support/in-process-api.ts';
import { parsePrometheusText } from '../support/prometheus.ts';
import { installPrometheusClient, PROMETHEUS_CLIENT_VERSION } from './tools.ts';

const READ_FAMILIES = `
import json, sys
from prometheus_client.parser import text_string_to_metric_families
out = []
for family in text_string_to_metric_families(sys.stdin.read()):
    out.append({"name": family.name, "type": family.type, "help": family.documentation,
                "samples": [{"name": s.name, "labels": s.labels, "value": s.value}
                            for s in family.samples]})
print(json.dumps(out))
`;

interface ReadFamily {
  name: string;
  type: string;
  help: string;
  samples: { name: string; labels: Record<string, string>; value: number }[];
}

function readWithPrometheus(python: string, text: string): Promise<ReadFamily[]> {
  return new Promise((resolve, reject) => {
    const child = execFile(python, ['-c', READ_FAMILIES], (error, stdout, stderr) =>
      error ? reject(new Error(`${error.message}\n${stderr}`)) : resolve(JSON.parse(stdout)),
    );
    child.stdin?.end(text);
  });
}

let python: string | undefined;
let skip: string | undefined;

beforeAll(async () => {
  const installed = await installPrometheusClient();
  if (installed.skip !== undefined) skip = installed.skip;
  else python = installed.bins.python;
});

describe(`GET /metrics read by prometheus-client ${PROMETHEUS_CLIENT_VERSION}`, () => {
  it('parses into the families and samples the strict reader finds', async (context) => {
    if (!python) return context.skip(skip);
    const api = await inProcessApi({ STATS_CACHE_SECONDS: '0' });
    for (const text of ['first', 'second', 'first']) {
      const upload = await api.request('POST', '/upload', {
        body: text,
        headers: { 'content-type': 'text/plain' },
      });
      expect(upload.status).toBe(200);
    }
    const at = api.ports.clock.now().toISOString();
    await api.ports.ops.recordRun('scraper', {
      ok: true,
      at,
      durationMs: 250,
      gauges: [
        { name: 'scraper_lag_blocks', labels: { chain: 'ethereum' }, value: 12 },
        { name: 'scraper_lag_blocks', labels: { chain: 'odd "chain"\\\nname' }, value: 0.5 },
      ],
    });
    await api.ports.ops.recordRun('stats', { ok: false, at, durationMs: 9, error: 'boom' });
    await api.ports.ops.recordProgress('pinQueue', at, 3);

    const response = await api.request('GET', '/metrics', { token: null });
    expect(response.status).toBe(200);
    const theirs = await readWithPrometheus(python, response.text);
    const ours = parsePrometheusText(response.text);
    expect(theirs.map((f) => f.name)).toEqual([...ours.keys()]);
    for (const family of theirs) {
      const mine = ours.get(family.name);
      expect(family.type, family.name).toBe(mine?.type);
      expect(family.help, family.name).toBe(mine?.help);
      expect(family.samples, family.name).toEqual(mine?.samples);
    }
    const lag = theirs.find((f) => f.name === 'pinstack_scraper_lag_blocks');
    expect(lag?.samples.map((s) => s.labels.chain)).toEqual(['ethereum', 'odd "chain"\\\nname']);
    expect(theirs.find((f) => f.name === 'pinstack_contents')?.samples[0]?.value).toBe(2);
  });
});
