/**
 * How the operator's routes show what they read: the status page as small HTML (no script,
 * every value escaped) and the metrics in the Prometheus text format (0.0.4).
 */
import type { CronRecord, Tally } from '../core/ports.ts';
import { PIN_STATES } from '../core/stats.ts';
import type { Signals, StatusReport } from '../core/status.ts';

const html = (text: string) =>
  text.replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] as string,
  );

const COLOURS = { operational: '#1a7f37', degraded: '#9a6700', down: '#cf222e' } as const;

export function statusPage(report: StatusReport): string {
  const rows = report.components
    .map(
      (c) =>
        `<tr><th scope="row">${html(c.name)}<br><small>${html(c.description)}</small></th>` +
        `<td style="color:${COLOURS[c.status]}"><strong>${c.status}</strong></td>` +
        `<td><ul>${c.detail.map((d) => `<li>${html(d)}</li>`).join('')}</ul></td></tr>`,
    )
    .join('\n');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width">
<title>pinstack status: ${report.status}</title>
<style>body{font:16px/1.4 system-ui,sans-serif;max-width:48rem;margin:2rem auto;padding:0 1rem}
table{border-collapse:collapse;width:100%}th,td{text-align:left;vertical-align:top;padding:.5rem;border-top:1px solid #ddd}
ul{margin:0;padding-left:1rem}small{color:#555;font-weight:normal}</style></head>
<body><h1>pinstack is <span style="color:${COLOURS[report.status]}">${report.status}</span></h1>
<p>Checked at <time datetime="${html(report.checked)}">${html(report.checked)}</time>. As JSON: <a href="status.json">status.json</a>.</p>
<table>${rows}</table></body></html>
`;
}

type Labels = Record<string, string>;
const label = (value: string) =>
  value.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/"/g, '\\"');
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;
const labels = (set: Labels) => {
  const entries = Object.entries(set).filter(([name]) => LABEL_NAME.test(name));
  return entries.length ? `{${entries.map(([k, v]) => `${k}="${label(v)}"`).join(',')}}` : '';
};
const seconds = (iso: string | undefined) => (iso ? Date.parse(iso) / 1000 : undefined);

/** Metric names a scheduled job's gauges may take (they become pinstack_<name>). */
const GAUGE_NAME = /^[a-z][a-z0-9_]*$/;

export function prometheusText(totals: Tally, signals: Signals, report: StatusReport): string {
  const families = new Map<string, { help: string; samples: [Labels, number][] }>();
  const sample = (name: string, help: string, set: Labels, value: number | undefined) => {
    if (value === undefined || !Number.isFinite(value)) return;
    const family = families.get(name) ?? { help, samples: [] };
    family.samples.push([set, value]);
    families.set(name, family);
  };
  const n = (key: string) => Math.max(0, totals[key] ?? 0);
  sample('pinstack_contents', 'Distinct content roots stored', {}, n('contents'));
  sample(
    'pinstack_content_bytes',
    'Whole-DAG bytes of the stored contents, each once',
    {},
    n('bytes'),
  );
  sample('pinstack_uploads', 'Live uploads', {}, n('uploads'));
  sample('pinstack_users', 'Users', {}, n('users'));
  sample('pinstack_deals', 'Filecoin deal records', {}, n('deals'));
  for (const status of PIN_STATES) {
    sample(
      'pinstack_pins',
      'Stored contents by pin status',
      { status, provider: 'pinstack' },
      n(`pins.${status}`),
    );
  }
  for (const q of signals.queues ?? []) {
    for (const [state, count] of Object.entries(q.depth)) {
      sample(
        'pinstack_queue_messages',
        'Messages in a work queue, by state',
        { queue: q.queue, state },
        count,
      );
    }
    sample(
      'pinstack_dead_letter_messages',
      'Messages in a queue’s DLQ',
      { queue: q.queue },
      q.deadLetters,
    );
    const progress = signals.progress.find((p) => p.queue === q.name);
    sample(
      'pinstack_queue_last_processed_timestamp_seconds',
      'When a batch of the queue was last handled',
      { queue: q.queue },
      seconds(progress?.lastProcessed),
    );
    sample(
      'pinstack_queue_wait_seconds',
      'How long the oldest message of that batch had waited',
      { queue: q.queue },
      progress?.waitedSeconds,
    );
  }
  for (const cron of signals.crons as CronRecord[]) {
    const set = { cron: cron.name };
    sample(
      'pinstack_cron_last_success_timestamp_seconds',
      'Last successful run of a scheduled job',
      set,
      seconds(cron.lastSuccess),
    );
    sample(
      'pinstack_cron_last_failure_timestamp_seconds',
      'Last failed run of a scheduled job',
      set,
      seconds(cron.lastFailure),
    );
    sample(
      'pinstack_cron_last_duration_seconds',
      'How long its last run took',
      set,
      (cron.lastDurationMs ?? Number.NaN) / 1000,
    );
    for (const gauge of cron.gauges ?? []) {
      if (GAUGE_NAME.test(gauge.name)) {
        sample(
          `pinstack_${gauge.name}`,
          `Reported by the ${cron.name} job`,
          gauge.labels,
          gauge.value,
        );
      }
    }
  }
  for (const component of report.components) {
    sample(
      'pinstack_component_operational',
      'Whether a part is operational (1) or not (0)',
      { component: component.name },
      component.status === 'operational' ? 1 : 0,
    );
  }
  const lines: string[] = [];
  for (const [name, family] of families) {
    lines.push(
      `# HELP ${name} ${family.help.replace(/\\/g, '\\\\').replace(/\n/g, '\\n')}`,
      `# TYPE ${name} gauge`,
    );
    for (const [set, value] of family.samples) lines.push(`${name}${labels(set)} ${value}`);
  }
  return `${lines.join('\n')}\n`;
}
