/**
 * The public compliance suite of the IPFS Pinning Service API
 * (@ipfs-shipyard/pinning-service-compliance 1.8.1) against pinstack's `/pins` on a local
 * stack. It reads the spec from a URL and always exits 0, so it runs with compliance-hook.mjs
 * (the spec from a local copy, reports into a temp dir, Node 24 shims) and the test reads its
 * JSON report: all 9 checks must pass. Each check's request and response is in the Markdown
 * report printed on failure.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestToken } from '../support/api-client.ts';
import { type TestStack, withLocalStack } from '../support/local-stack.ts';

const COMPLIANCE = '@ipfs-shipyard/pinning-service-compliance';
const CHECKS = 9;
/** Its CLI: the package's own entry point, run as a program. */
const entry = fileURLToPath(import.meta.resolve('@ipfs-shipyard/pinning-service-compliance'));

describe(`${COMPLIANCE} 1.8.1`, () => {
  let stack: TestStack;
  let docs: string;

  beforeAll(async () => {
    docs = await mkdtemp(join(tmpdir(), 'pinstack-compliance-'));
    stack = await withLocalStack({ env: { LOG_LEVEL: 'silent' } });
  });

  afterAll(async () => {
    await stack?.stop();
    await rm(docs, { recursive: true, force: true });
  });

  it(`passes all ${CHECKS} checks`, async () => {
    const { token } = await createTestToken(stack, 'compliance');
    const output = await new Promise<string>((resolve, reject) => {
      execFile(
        process.execPath,
        [
          '--import',
          join(import.meta.dirname, 'compliance-hook.mjs'),
          entry,
          '-s',
          stack.apiUrl,
          token,
        ],
        {
          env: {
            ...process.env,
            PINNING_SPEC_PATH: join(import.meta.dirname, 'pinning-service-api-v1.0.0.yaml'),
            PINNING_COMPLIANCE_DOCS_DIR: docs,
          },
          timeout: 10 * 60_000,
          maxBuffer: 64 * 1024 * 1024,
        },
        (error, stdout, stderr) => (error ? reject(error) : resolve(`${stdout}${stderr}`)),
      );
    });
    const host = new URL(stack.apiUrl).hostname;
    const summary = JSON.parse(await readFile(join(docs, `${host}.json`), 'utf8'));
    if (!summary.success || summary.total !== CHECKS) {
      console.error(await readFile(join(docs, `${host}.md`), 'utf8').catch(() => output));
    }
    expect(summary).toEqual({ total: CHECKS, passed: CHECKS, failed: 0, success: true });
  });
});
