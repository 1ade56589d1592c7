/**
 * The official IPFS gateway conformance suite (github.com/ipfs/gateway-conformance), its
 * `trustless-gateway` specs, against the local stack's gateway. The suite's fixture CARs are
 * ingested as uploads first (`POST /upload`, `application/car`), so the gateway holds what the
 * suite asks for; fixtures the API refuses (more or fewer than one root, codecs it does not
 * store) are listed with the API's answer. Every test's outcome is printed and written to
 * PINSTACK_CONFORMANCE_REPORT (default $TMPDIR/pinstack-gateway-conformance.md).
 *
 * Every test must pass except those listed in BY_DESIGN, each with its reason: cases that need
 * what this gateway deliberately is not.
 */
import { execFile } from 'node:child_process';
import { readdir, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiClient, createTestToken } from '../support/api-client.ts';
import { type TestStack, withLocalStack } from '../support/local-stack.ts';
import { installGatewayConformanceTests } from './tools.ts';

const REPORT =
  process.env.PINSTACK_CONFORMANCE_REPORT || join(tmpdir(), 'pinstack-gateway-conformance.md');
/** Tests (with their subtests) allowed to fail, and why. */
const BY_DESIGN: Record<string, string> = {
  TestGatewayIPNSRecord:
    'IPNS records (?format=ipns-record): the gateway serves /ipfs/ content only; it holds no IPNS records and resolves no names',
};
const byDesign = (name: string) =>
  Object.keys(BY_DESIGN).some((test) => name === test || name.startsWith(`${test}/`));

const conformance = await installGatewayConformanceTests();
if (conformance.skip !== undefined) {
  console.warn(`[interop] gateway conformance suite skipped: ${conformance.skip}`);
}

type Outcome = 'PASS' | 'FAIL' | 'SKIP';

/** `--- PASS: TestX/sub (0.01s)` lines of `go test -v` output, by test name. */
function outcomes(output: string): Map<string, Outcome> {
  const found = new Map<string, Outcome>();
  for (const [, outcome, name] of output.matchAll(/^\s*--- (PASS|FAIL|SKIP): (\S+)/gm)) {
    found.set(name as string, outcome as Outcome);
  }
  return found;
}

async function carFiles(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  return entries
    .filter((entry) => entry.isFile() && entry.name.endsWith('.car'))
    .map((entry) => join(entry.parentPath, entry.name))
    .sort();
}

describe.skipIf(conformance.skip !== undefined)('IPFS gateway conformance (trustless)', () => {
  let stack: TestStack;
  const refused: string[] = [];
  let ingested = 0;

  beforeAll(async () => {
    if (conformance.skip !== undefined) return;
    stack = await withLocalStack();
    const api = apiClient(stack);
    const { token } = await createTestToken(stack, 'conformance');
    const home = conformance.env.GATEWAY_CONFORMANCE_HOME as string;
    for (const file of await carFiles(join(home, 'fixtures'))) {
      const response = await api.post('/upload', {
        token,
        body: await readFile(file),
        headers: { 'content-type': 'application/car' },
      });
      const name = relative(join(home, 'fixtures'), file);
      if (response.status === 200) ingested++;
      else refused.push(`${name}: ${response.status} ${response.text.slice(0, 160)}`);
    }
    // Every stored CAR indexed before the suite asks for its blocks.
    await stack.idle({ timeoutMs: 120_000 });
  });

  afterAll(async () => {
    await stack?.stop();
  });

  it('runs the trustless-gateway specs and reports what passes', async () => {
    if (conformance.skip !== undefined) return;
    const output = await new Promise<string>((resolve) => {
      execFile(
        conformance.bins.conformance,
        ['-test.v', '-test.timeout=10m', '-specs=trustless-gateway'],
        {
          cwd: conformance.env.GATEWAY_CONFORMANCE_HOME,
          env: {
            ...process.env,
            ...conformance.env,
            GATEWAY_URL: stack.gatewayUrl as string,
          },
          maxBuffer: 256 * 1024 * 1024,
          timeout: 15 * 60_000,
        },
        // A failing case makes `go test` exit non-zero: the outcomes say which.
        (_error, stdout, stderr) => resolve(`${stdout}\n${stderr}`),
      );
    });
    const results = outcomes(output);
    const count = (outcome: Outcome) => [...results.values()].filter((o) => o === outcome).length;
    const failed = [...results].filter(([, o]) => o === 'FAIL').map(([name]) => name);
    const lines = [
      '# gateway-conformance, trustless-gateway specs, against the local gateway',
      '',
      `Fixtures ingested: ${ingested}; refused by the API: ${refused.length}`,
      ...refused.map((line) => `- ${line}`),
      '',
      `Tests and subtests: ${count('PASS')} passed, ${count('FAIL')} failed, ${count('SKIP')} skipped`,
      '',
      ...[...results].map(([name, outcome]) => `- ${outcome} ${name}`),
      '',
      '## Output',
      '',
      '```',
      output,
      '```',
    ];
    await writeFile(REPORT, lines.join('\n'));
    console.log(
      `[interop] gateway conformance: ${count('PASS')} passed, ${count('FAIL')} failed, ` +
        `${count('SKIP')} skipped; ${refused.length} fixture(s) refused; report in ${REPORT}`,
    );
    for (const name of failed) console.log(`[interop]   FAIL ${name}`);

    expect(results.size, 'the suite ran no tests').toBeGreaterThan(0);
    expect(count('PASS')).toBeGreaterThan(0);
    expect(
      failed.filter((name) => !byDesign(name)),
      `see ${REPORT}`,
    ).toEqual([]);
  });
});
