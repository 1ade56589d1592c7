/**
 * A strict reader of the Prometheus text exposition format (0.0.4), as its specification
 * states it: `# HELP` and `# TYPE` lines, then samples `name{label="value",...} value`, names
 * and label names from their grammars, label values with only \\, \" and \n escapes, numbers
 * as Go's ParseFloat reads them (and +Inf, -Inf, NaN), each family's lines together, TYPE
 * before its samples, no family twice. Anything else throws, naming the line.
 */
const METRIC_NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;
const TYPES = new Set(['counter', 'gauge', 'histogram', 'summary', 'untyped']);

export interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

export interface Family {
  name: string;
  help?: string;
  type?: string;
  samples: Sample[];
}

function parseValue(text: string, line: string): number {
  if (text === '+Inf') return Number.POSITIVE_INFINITY;
  if (text === '-Inf') return Number.NEGATIVE_INFINITY;
  if (text === 'NaN') return Number.NaN;
  if (!/^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/.test(text)) {
    throw new Error(`not a number: ${JSON.stringify(text)} in ${JSON.stringify(line)}`);
  }
  return Number(text);
}

function parseLabels(text: string, line: string): [Record<string, string>, string] {
  const labels: Record<string, string> = {};
  let rest = text;
  while (!rest.startsWith('}')) {
    const name = /^([^=\s]+)="/.exec(rest);
    if (!name?.[1] || !LABEL_NAME.test(name[1])) throw new Error(`bad label in ${line}`);
    rest = rest.slice(name[0].length);
    let value = '';
    for (;;) {
      const c = rest[0];
      if (c === undefined) throw new Error(`unterminated label value in ${line}`);
      rest = rest.slice(1);
      if (c === '"') break;
      if (c === '\\') {
        const escaped = rest[0];
        rest = rest.slice(1);
        if (escaped === 'n') value += '\n';
        else if (escaped === '\\' || escaped === '"') value += escaped;
        else throw new Error(`bad escape \\${escaped} in ${line}`);
      } else if (c === '\n') {
        throw new Error(`raw newline in a label value: ${line}`);
      } else value += c;
    }
    if (name[1] in labels) throw new Error(`label ${name[1]} twice in ${line}`);
    labels[name[1]] = value;
    if (rest.startsWith(',')) rest = rest.slice(1);
    else if (!rest.startsWith('}')) throw new Error(`expected , or } in ${line}`);
  }
  return [labels, rest.slice(1)];
}

export function parsePrometheusText(text: string): Map<string, Family> {
  if (!text.endsWith('\n')) throw new Error('the exposition must end with a newline');
  const families = new Map<string, Family>();
  let current: Family | undefined;
  const family = (name: string, line: string) => {
    if (current?.name === name) return current;
    if (families.has(name)) throw new Error(`family ${name} is not together: ${line}`);
    current = { name, samples: [] };
    families.set(name, current);
    return current;
  };
  for (const line of text.slice(0, -1).split('\n')) {
    if (line.trim() === '') continue;
    if (line.startsWith('#')) {
      const meta = /^# (HELP|TYPE) (\S+) ?(.*)$/.exec(line);
      if (!meta) continue; // A comment.
      const [, kind, name = '', rest = ''] = meta;
      if (!METRIC_NAME.test(name)) throw new Error(`bad metric name in ${line}`);
      const f = family(name, line);
      if (kind === 'TYPE') {
        if (!TYPES.has(rest) || f.type || f.samples.length) throw new Error(`bad TYPE: ${line}`);
        f.type = rest;
      } else {
        if (f.help !== undefined) throw new Error(`HELP twice: ${line}`);
        f.help = rest;
      }
      continue;
    }
    const name = /^[a-zA-Z_:][a-zA-Z0-9_:]*/.exec(line)?.[0];
    if (!name) throw new Error(`bad sample line: ${JSON.stringify(line)}`);
    let rest = line.slice(name.length);
    let labels: Record<string, string> = {};
    if (rest.startsWith('{')) [labels, rest] = parseLabels(rest.slice(1), line);
    const parts = rest.trim().split(/\s+/);
    if (!rest.startsWith(' ') || parts.length < 1 || parts.length > 2) {
      throw new Error(`bad sample line: ${JSON.stringify(line)}`);
    }
    if (parts[1] !== undefined && !/^-?\d+$/.test(parts[1]))
      throw new Error(`bad timestamp: ${line}`);
    family(name, line).samples.push({ name, labels, value: parseValue(parts[0] as string, line) });
  }
  return families;
}
