/**
 * The API fuzzed from its own OpenAPI document by schemathesis (`st run … --checks all`)
 * against a local stack: no request may get a 5xx, every response must match what the
 * document says (status, content type, headers, body schema), and input must be accepted and
 * rejected as the document says.
 *
 * The run is bounded (PINSTACK_FUZZ_SECONDS, default 90) and seeded with real data (uploads,
 * a staged upload, a list cursor, the token's id) offered to the fuzzer as dictionaries, so
 * lookups reach stored records and not only 404s. Every failure is printed (operation, check,
 * status, body excerpt, the curl command that reproduces it) and written to
 * PINSTACK_FUZZ_FINDINGS (default $TMPDIR/pinstack-fuzz-findings.md); the reports stay in the
 * printed directory. Reproduce a run with PINSTACK_FUZZ_SEED=<printed seed>.
 */
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { CID } from 'multiformats/cid';
import * as raw from 'multiformats/codecs/raw';
import { sha256 } from 'multiformats/hashes/sha2';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestToken } from '../support/api-client.ts';
import { type TestStack, withLocalStack } from '../support/local-stack.ts';
import {
  formatSeconds,
  installSchemathesis,
  interopCache,
  pythonToolchain,
  SCHEMATHESIS_VERSION,
} from './tools.ts';

const FUZZ_SECONDS = Number(process.env.PINSTACK_FUZZ_SECONDS || 90);
const SEED = process.env.PINSTACK_FUZZ_SEED || undefined;
const FINDINGS_FILE =
  process.env.PINSTACK_FUZZ_FINDINGS || join(tmpdir(), 'pinstack-fuzz-findings.md');

/**
 * The only allowances: failures that cannot hold by design. schemathesis drops a failure
 * (through the `filter_failure` hook in schemathesis_by_design.py) only when one rule matches
 * its code, operation, status and, where given, a regex in the response body, in the failure's
 * message and in the request's media type. Everything else it reports fails the test.
 */
const BY_DESIGN: {
  code: string;
  /** `METHOD /path` as in the document, or a bare method for every path. */
  operations: readonly string[];
  statuses: readonly number[];
  body?: string;
  message?: string;
  mediaType?: string;
  reason: string;
}[] = [
  {
    code: 'ST202',
    operations: [
      'GET /{cid}',
      'DELETE /{cid}',
      'GET /check/{cid}',
      'PATCH /upload/{cid}',
      'POST /deals',
    ],
    statuses: [400],
    body: '"code":"ERROR_INVALID_CID"',
    reason:
      'a CID is a string whose validity (multibase, version, codec, multihash) JSON Schema cannot express; the document declares 400 ERROR_INVALID_CID for the rest',
  },
  {
    code: 'ST202',
    operations: ['POST /pins', 'POST /pins/{requestid}', 'GET /pins'],
    statuses: [400],
    body: '"reason":"BAD_REQUEST","details":"Invalid CID: ',
    reason:
      'a CID is a string whose validity (multibase, version, codec, multihash) JSON Schema cannot express; the Pinning Service API routes answer 400 BAD_REQUEST for the rest',
  },
  {
    code: 'ST202',
    operations: ['GET /'],
    statuses: [400],
    body: 'not a cursor from a previous page',
    reason:
      '`cursor` is opaque: only a value from a previous page is valid, which no schema can say',
  },
  {
    code: 'ST202',
    operations: ['POST /upload'],
    statuses: [400],
    body: 'duplicate path',
    reason:
      'multipart files become one directory, so two parts with the same file name cannot both be stored; JSON Schema cannot require distinct file names',
  },
  {
    code: 'ST202',
    operations: ['POST /upload', 'POST /store'],
    statuses: [400],
    body: 'invalid multipart body: (Malformed part header|a part has no field name|a part has no usable form-data Content-Disposition)',
    reason:
      'schemathesis puts raw control characters (such as 0x12), or nothing at all, into the names of the extra parts the schema allows; a part header cannot carry them, and every part needs a non-empty name (RFC 7578, RFC 9110 field syntax)',
  },
  {
    code: 'ST201',
    operations: ['POST /upload'],
    statuses: [200],
    message: 'in body',
    mediaType: '^(?!multipart/|application/car)',
    reason:
      'a raw body is a file: any bytes are valid, including what schemathesis serializes from a schema-violating value (`null` is the 4 bytes "null")',
  },
  {
    code: 'ST204',
    operations: ['PUT', 'TRACE', 'HEAD', 'CONNECT', 'QUERY', 'GET', 'POST', 'DELETE', 'PATCH'],
    statuses: [404],
    body: '^(\\{"message":"Not Found"\\}|not found)$',
    reason:
      'a method a path does not have is 404 like a path no route has: "not found" from the function that takes the method, or API Gateway\'s {"message":"Not Found"} where none does (the document\'s Routing section); a 405 would need every function to know every route',
  },
  {
    code: 'ST201',
    operations: ['POST /staged-uploads'],
    statuses: [413],
    body: '"code":"ERROR_PAYLOAD_TOO_LARGE"',
    reason:
      "a declared size over the limit (the schema's maximum) is 413 ERROR_PAYLOAD_TOO_LARGE, as nft.storage answers content over its limits; schemathesis expects a schema violation to be 400",
  },
  {
    code: 'ST201',
    operations: ['GET', 'POST', 'DELETE', 'PATCH', 'OPTIONS'],
    statuses: [431],
    body: 'the API takes at most 10240 bytes',
    reason:
      "a request line and headers over 10240 bytes are refused with 431 before any route (API Gateway's limit; the document's Routing section), whatever else is wrong with the request",
  },
  {
    code: 'ST202',
    operations: ['POST /store'],
    statuses: [400],
    body: 'expected File part',
    reason:
      'every part but `meta` must be a file (a part with a filename), as on nft.storage; OpenAPI cannot require a filename on a multipart part',
  },
  {
    code: 'ST202',
    operations: ['GET /nfts/{chainId}/{contract}/{tokenId}'],
    statuses: [400],
    body: 'tokenId must be at most 2\\^256 - 1',
    reason:
      'a token id is a uint256: a 78-digit number past 2^256 - 1 fits the pattern but not the type, a bound JSON Schema cannot put on a string; the document says such a value is 400',
  },
  {
    code: 'ST202',
    operations: ['POST /deals'],
    statuses: [400],
    body: 'give exactly one of cid and carCid',
    reason:
      'a deal names its content by `cid` or by `carCid`, exactly one; the document says so in the field descriptions, and the route refuses both or neither with 400 (a oneOf over the whole deal is the follow-up)',
  },
  {
    code: 'ST202',
    operations: ['GET /pins'],
    statuses: [400],
    body: 'meta: must be a JSON object of strings',
    reason:
      "`meta` is a JSON object carried as text in the query (the Pinning Service API's `?meta={...}`); that the text parses as an object of strings is more than a schema of a query string can say",
  },
  {
    code: 'ST201',
    operations: ['OPTIONS /nfts/{chainId}/{contract}/{tokenId}'],
    statuses: [204],
    reason:
      "a CORS preflight is answered from its headers alone, for any path: the path parameters' patterns bind the GET it precedes, which refuses them with 400",
  },
  {
    code: 'ST203',
    operations: ['OPTIONS'],
    statuses: [405],
    body: '^Non CORS options request not allowed$',
    reason:
      'an OPTIONS without the preflight headers is not a CORS preflight and gets 405 "Non CORS options request not allowed", as on nft.storage (the document\'s CORS section)',
  },
];

/** schemathesis failure codes, by what they say about the API. */
const CATEGORIES = {
  serverErrors: ['ST101', 'ST102'],
  responseConformance: [
    'ST103',
    'ST104',
    'ST105',
    'ST106',
    'ST107',
    'ST108',
    'ST109',
    'ST110',
    'ST111',
  ],
  inputValidation: ['ST201', 'ST202', 'ST203', 'ST204', 'ST205'],
  resourcesAndAuth: ['ST301', 'ST302', 'ST401', 'ST402'],
} as const;

interface Finding {
  /** The scenario's operation as schemathesis names it (`GET /{cid}`). */
  operation: string;
  kind: 'failure' | 'error';
  /** `ST202`…; empty for errors (schema errors, network errors). */
  code: string;
  title: string;
  detail: string;
  status?: number;
  body?: string;
  curl?: string;
}

interface RunReport {
  seed: number | string;
  running_time: number;
  stop_reason: string;
  exit_code: number;
  operations: { total: number; selected: number; tested: number; errored: number; skipped: number };
  test_cases: { generated: number; with_failures: number; unique_failures: number };
  errors: { title: string; count: number }[];
  warnings: Record<string, string[]>;
}

interface FuzzRun {
  report: RunReport;
  /** The seed as printed (the JSON report's number is too large for a double). */
  seed: string;
  findings: Finding[];
  /** Failures each BY_DESIGN rule dropped. */
  dropped: number[];
  reportDir: string;
}

const python = await pythonToolchain();
const skipReason = 'skip' in python ? python.skip : undefined;
if (skipReason !== undefined) console.warn(`[interop] API fuzz skipped: ${skipReason}`);

describe.skipIf(skipReason !== undefined)(`API fuzz (schemathesis ${SCHEMATHESIS_VERSION})`, () => {
  let stack: TestStack | undefined;
  let run: FuzzRun;
  const savedRateLimit = process.env.RATE_LIMIT_REQUESTS;

  beforeAll(async () => {
    const schemathesis = await installSchemathesis();
    if (schemathesis.skip !== undefined) throw new Error(schemathesis.skip);
    // The fuzzer sends thousands of requests with one token: no 429s from the rate limit.
    process.env.RATE_LIMIT_REQUESTS = '1000000000';
    stack = await withLocalStack();
    // An admin key, so the admin routes (POST /deals) are fuzzed beyond their 403.
    const { token } = await createTestToken(stack, 'fuzzer', 'fuzzer', true);
    const seeds = await seedData(stack.apiUrl, token);
    run = await fuzz(schemathesis.bins.st, stack.apiUrl, token, seeds);
    printSummary(run);
    if (run.findings.length > 0) await writeFindings(run);
    else await rm(dirname(run.reportDir), { recursive: true, force: true });
  });

  afterAll(async () => {
    await stack?.stop();
    if (savedRateLimit === undefined) delete process.env.RATE_LIMIT_REQUESTS;
    else process.env.RATE_LIMIT_REQUESTS = savedRateLimit;
  });

  it('authenticates with the token (no missing_auth warning)', () => {
    expect(run.report.warnings.missing_auth ?? []).toEqual([]);
  });

  it('tests every operation of the document (no schema or network errors)', () => {
    const errors = run.findings.filter((f) => f.kind === 'error').map(oneLine);
    expect(errors, 'errors schemathesis met').toEqual([]);
    expect(run.report.operations.tested).toBe(run.report.operations.total);
  });

  it('answers no request with a 5xx', () => {
    expect(inCategory(run, CATEGORIES.serverErrors)).toEqual([]);
  });

  it('answers every request as documented: status, content type, headers and body schema', () => {
    expect(inCategory(run, CATEGORIES.responseConformance)).toEqual([]);
  });

  it('accepts and rejects input as the document says', () => {
    expect(inCategory(run, CATEGORIES.inputValidation)).toEqual([]);
  });

  it('keeps resources and authorization consistent (stateful and auth checks)', () => {
    expect(inCategory(run, CATEGORIES.resourcesAndAuth)).toEqual([]);
  });

  it('finds nothing else', () => {
    const known = new Set<string>(Object.values(CATEGORIES).flat());
    const other = run.findings.filter((f) => f.kind === 'failure' && !known.has(f.code));
    expect(other.map(oneLine)).toEqual([]);
  });
});

function inCategory(run: FuzzRun, codes: readonly string[]): string[] {
  return run.findings.filter((f) => codes.includes(f.code)).map(oneLine);
}

function oneLine(f: Finding): string {
  const status = f.status === undefined ? '' : ` -> ${f.status}`;
  const body = f.body ? ` ${excerpt(f.body, 160)}` : '';
  return `${f.operation}: ${f.code ? `${f.code} ` : ''}${f.title}${status}${body}`;
}

// ---------------------------------------------------------------------------------------------
// Seed data

interface Seeds {
  cids: string[];
  stagedIds: string[];
  cursors: string[];
  tokenIds: string[];
}

async function seedData(apiUrl: string, token: string): Promise<Seeds> {
  const auth = { authorization: `Bearer ${token}` };
  const post = async (path: string, init: RequestInit) => {
    const response = await fetch(`${apiUrl}${path}`, { method: 'POST', ...init });
    const body = (await response.json()) as { ok: boolean; value: Record<string, unknown> };
    if (!response.ok)
      throw new Error(`seeding ${path}: ${response.status} ${JSON.stringify(body)}`);
    return body.value;
  };
  const file = await post('/upload', {
    headers: { ...auth, 'content-type': 'text/plain', 'x-name': 'fuzz-seed.txt' },
    body: 'pinstack fuzz seed',
  });
  const form = new FormData();
  form.append('file', new Blob(['first']), 'a.txt');
  form.append('file', new Blob(['second']), 'b.txt');
  const dir = await post('/upload', { headers: auth, body: form });
  await post('/upload', { headers: { ...auth, 'content-type': 'text/plain' }, body: 'third' });
  const dirCid = CID.parse(String(dir.cid));
  const unknown = CID.create(1, raw.code, await sha256.digest(new TextEncoder().encode('absent')));

  const page = await fetch(`${apiUrl}/?limit=1`, { headers: auth });
  const cursor = page.headers.get('x-next-cursor');
  if (!cursor) throw new Error('seeding: GET /?limit=1 gave no X-Next-Cursor');

  const staged = await post('/staged-uploads', {
    headers: { ...auth, 'content-type': 'application/json' },
    body: JSON.stringify({
      size: 1000,
      sha256: createHash('sha256').update('fuzz').digest('base64'),
      name: 'fuzz-staged.car',
    }),
  });
  const tokenId = /^pst_([a-z2-7]{16})_/.exec(token)?.[1];
  if (!tokenId) throw new Error('seeding: token has no token id');
  return {
    cids: [String(file.cid), dirCid.toString(), dirCid.toV0().toString(), unknown.toString()],
    stagedIds: [String(staged.id)],
    cursors: [cursor],
    tokenIds: [tokenId],
  };
}

// ---------------------------------------------------------------------------------------------
// The run

function toml(value: string | number | readonly (string | number)[]): string {
  // JSON strings and arrays of strings/numbers are valid TOML.
  return JSON.stringify(value);
}

function configFile(seeds: Seeds): string {
  const lines = [
    '# Written by test/interop/api-fuzz.interop.test.ts for one run.',
    '[warnings]',
    '# A token that does not work is only a warning by default: fail the run on it.',
    'fail-on = ["missing_auth"]',
    '',
    '[dictionaries]',
    `cids = { values = ${toml(seeds.cids)} }`,
    `staged = { values = ${toml(seeds.stagedIds)} }`,
    `cursors = { values = ${toml(seeds.cursors)} }`,
    `tokens = { values = ${toml(seeds.tokenIds)} }`,
    '',
    '[parameters]',
    '"path.cid" = { dictionary = "cids", probability = 0.7 }',
    '"path.id" = { dictionary = "staged", probability = 0.7 }',
    '"query.cursor" = { dictionary = "cursors", probability = 0.7 }',
    '"query.token" = { dictionary = "tokens", probability = 0.7 }',
  ];
  return `${lines.join('\n')}\n`;
}

async function fuzz(st: string, apiUrl: string, token: string, seeds: Seeds): Promise<FuzzRun> {
  const workDir = await mkdtemp(join(tmpdir(), 'pinstack-fuzz-'));
  const reportDir = join(workDir, 'report');
  await mkdir(reportDir);
  const config = join(workDir, 'schemathesis.toml');
  await writeFile(config, configFile(seeds));
  const args = [
    '--config-file',
    config,
    'run',
    `${apiUrl}/schema.json`,
    '--checks',
    'all',
    '-H',
    `Authorization: Bearer ${token}`,
    '--max-time',
    String(FUZZ_SECONDS),
    '--request-timeout',
    '30',
    '--report',
    'junit,json',
    '--report-dir',
    reportDir,
    // Examples that failed before are tried first next time (kept with the installed tools).
    '--generation-database',
    join(interopCache(), 'schemathesis-examples'),
    '--no-color',
  ];
  if (SEED) args.push('--seed', SEED);
  console.log(`[api fuzz] st ${args.join(' ').replace(token, '$TOKEN')}`);
  const started = performance.now();
  // cwd: a fresh dir, so no schemathesis.toml lying around is picked up.
  const countsFile = join(workDir, 'by-design-counts.json');
  const env = {
    ...process.env,
    NO_COLOR: '1',
    SCHEMATHESIS_HOOKS: join(import.meta.dirname, 'schemathesis_by_design.py'),
    PINSTACK_FUZZ_BY_DESIGN: JSON.stringify(BY_DESIGN),
    PINSTACK_FUZZ_BY_DESIGN_COUNTS: countsFile,
  };
  const timeoutMs = (FUZZ_SECONDS + 300) * 1000;
  const { code, stdout, stderr } = await runSt(st, args, { cwd: workDir, env, timeoutMs });
  const took = formatSeconds((performance.now() - started) / 1000);
  const files = await readdir(reportDir);
  const json = files.find((f) => f.endsWith('.json'));
  const junit = files.find((f) => f.endsWith('.xml'));
  if ((code !== 0 && code !== 1) || !json || !junit) {
    throw new Error(
      `st run exited with ${code} after ${took} without its reports:\n${tail(stdout)}\n${tail(stderr)}`,
    );
  }
  console.log(`[api fuzz] st run took ${took} (exit code ${code}); reports in ${reportDir}`);
  const reportText = await readFile(join(reportDir, json), 'utf8');
  const report = JSON.parse(reportText) as RunReport;
  const seed = /"seed":\s*(\d+)/.exec(reportText)?.[1] ?? String(report.seed);
  const findings = dedupe(parseJunit(await readFile(join(reportDir, junit), 'utf8')));
  const dropped = JSON.parse(await readFile(countsFile, 'utf8').catch(() => '[]')) as number[];
  await writeFile(join(reportDir, 'st-output.txt'), stdout);
  return { report, seed, findings, dropped, reportDir };
}

function runSt(
  st: string,
  args: string[],
  options: { cwd: string; env: NodeJS.ProcessEnv; timeoutMs: number },
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      st,
      args,
      {
        cwd: options.cwd,
        env: options.env,
        timeout: options.timeoutMs,
        maxBuffer: 256 * 1024 * 1024,
      },
      (error, stdout, stderr) => {
        const code = error ? (typeof error.code === 'number' ? error.code : null) : 0;
        resolve({ code, stdout, stderr });
      },
    );
  });
}

// ---------------------------------------------------------------------------------------------
// Reading the JUnit report

function unescapeXml(text: string): string {
  return text.replace(/&(#x[0-9a-f]+|#\d+|lt|gt|amp|quot|apos);/gi, (_, entity: string) => {
    if (entity[0] === '#') {
      const hex = entity[1] === 'x' || entity[1] === 'X';
      return String.fromCodePoint(Number.parseInt(entity.slice(hex ? 2 : 1), hex ? 16 : 10));
    }
    return { lt: '<', gt: '>', amp: '&', quot: '"', apos: "'" }[entity.toLowerCase()] ?? '';
  });
}

function attribute(attributes: string, name: string): string {
  const match = new RegExp(`\\b${name}="([^"]*)"`).exec(attributes);
  return match ? unescapeXml(match[1] ?? '') : '';
}

/**
 * One Finding per failed check of each failing test case. The text of a `<failure>` is
 * schemathesis's own rendering: `N. Test Case ID: …`, then `- STxxx Title` lines with their
 * messages, `[status] Reason:` and the body in backticks, then `Reproduce with:` and curl.
 */
function parseJunit(xml: string): Finding[] {
  const findings: Finding[] = [];
  const testcases = /<testcase\b([^>]*?)(?:\/>|>([\s\S]*?)<\/testcase>)/g;
  for (const [, attributes = '', content = ''] of xml.matchAll(testcases)) {
    const operation = attribute(attributes, 'name');
    const outcomes = /<(failure|error)\b([^>]*?)(?:\/>|>([\s\S]*?)<\/\1>)/g;
    for (const [, kind, , body = ''] of content.matchAll(outcomes)) {
      const text = unescapeXml(body);
      if (kind === 'error') {
        const [title = 'Error', ...rest] = text.trim().split('\n');
        findings.push({
          operation,
          kind: 'error',
          code: '',
          title,
          detail: rest.join('\n').trim(),
        });
        continue;
      }
      for (const group of text.split(/^(?=\d+\. Test Case ID: )/m)) {
        if (!group.trim()) continue;
        const statusMatch = /^\[(\d{3})\] [^\n]*:\n\n {4}`([\s\S]*?)`\n/m.exec(group);
        const curl = /^Reproduce with:\n\n {4}(curl [^\n]*)/m.exec(group)?.[1];
        const base = {
          operation,
          kind: 'failure' as const,
          status: statusMatch ? Number(statusMatch[1]) : undefined,
          body: statusMatch?.[2],
          curl: curl?.replace("'Authorization: [Filtered]'", '"Authorization: Bearer $TOKEN"'),
        };
        let check: { code: string; title: string; detail: string[] } | undefined;
        const close = () => {
          if (check) findings.push({ ...base, ...check, detail: check.detail.join(' ').trim() });
          check = undefined;
        };
        for (const line of group.split('\n')) {
          const heading = /^- (ST\d{3}) (.*)$/.exec(line);
          if (heading) {
            close();
            check = { code: heading[1] ?? '', title: heading[2] ?? '', detail: [] };
          } else if (/^\[\d{3}\] |^Reproduce with:/.test(line)) {
            close();
          } else if (check && line.trim()) {
            check.detail.push(line.trim());
          }
        }
        close();
      }
    }
  }
  return findings;
}

/** The same error is reported once per phase and test; keep one of each. */
function dedupe(findings: Finding[]): Finding[] {
  const seen = new Set<string>();
  return findings.filter((f) => {
    const key = JSON.stringify([f.operation, f.kind, f.code, f.title, f.detail, f.status, f.body]);
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

// ---------------------------------------------------------------------------------------------
// Output

function excerpt(text: string, max: number): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length > max ? `${flat.slice(0, max)}…` : flat;
}

function tail(text: string, lines = 40): string {
  return text.trim().split('\n').slice(-lines).join('\n');
}

function printSummary({ report, seed, findings, dropped }: FuzzRun): void {
  const out = [
    `[api fuzz] ${report.test_cases.generated} test cases on ${report.operations.tested}/${report.operations.total} operations in ${formatSeconds(report.running_time)} (stopped: ${report.stop_reason}; seed ${seed})`,
  ];
  BY_DESIGN.forEach((rule, index) => {
    out.push(
      `[api fuzz] by design, dropped ${dropped[index] ?? '?'}x: ${rule.code} ${rule.statuses.join('/')} on ${rule.operations.join(', ')} (${rule.reason})`,
    );
  });
  const warnings = Object.entries(report.warnings).filter(([, list]) => list.length > 0);
  for (const [name, list] of warnings) out.push(`[api fuzz] warning ${name}: ${list.join(', ')}`);
  if (findings.length === 0) out.push('[api fuzz] no failures');
  else out.push(`[api fuzz] ${findings.length} findings:`);
  for (const f of findings) {
    out.push(`  - ${oneLine(f)}`);
    if (f.detail) out.push(`      ${excerpt(f.detail, 300)}`);
    if (f.curl) out.push(`      ${excerpt(f.curl, 600)}`);
  }
  console.log(out.join('\n'));
}

async function writeFindings({ report, seed, findings, reportDir }: FuzzRun): Promise<void> {
  const lines = [
    '# pinstack API fuzz findings',
    '',
    `schemathesis ${SCHEMATHESIS_VERSION}, seed ${seed}, ${report.test_cases.generated} test cases in ${formatSeconds(report.running_time)}; reports: ${reportDir}`,
    '`$TOKEN` is any valid API key; the host is the local stack of that run.',
    '',
  ];
  for (const f of findings) {
    lines.push(`## ${f.operation}: ${f.code ? `${f.code} ` : ''}${f.title}`, '');
    if (f.detail) lines.push(f.detail, '');
    if (f.status !== undefined)
      lines.push(`Response: ${f.status} \`${excerpt(f.body ?? '', 500)}\``, '');
    if (f.curl) lines.push('```sh', f.curl, '```', '');
  }
  await writeFile(FINDINGS_FILE, `${lines.join('\n')}\n`);
  console.log(`[api fuzz] findings written to ${FINDINGS_FILE}`);
}
