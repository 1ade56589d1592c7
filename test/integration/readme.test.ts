/**
 * The README's quick start, run as written against a fresh local stack: each command's output
 * must match the `# ...` line after it (`...` stands for anything). Only the stack's address
 * differs (the test's stack listens on a free port), and a newline is printed after each
 * command so that outputs do not run together.
 */
import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type TestStack, withLocalStack } from '../support/local-stack.ts';

const run = promisify(execFile);
const ROOT = join(import.meta.dirname, '..', '..');

let stack: TestStack;

beforeAll(async () => {
  stack = await withLocalStack();
});

afterAll(async () => {
  await stack?.stop();
});

async function quickStart(): Promise<string> {
  const readme = await readFile(join(ROOT, 'README.md'), 'utf8');
  const start = readme.indexOf('\n## Quick start\n');
  const block = /```sh\n([\s\S]*?)```/.exec(readme.slice(start));
  if (start < 0 || !block?.[1]) throw new Error('README has no quick-start sh block');
  return block[1];
}

describe('README quick start', () => {
  it('runs as written and prints what it says', async () => {
    const block = await quickStart();
    expect(block).toContain('http://127.0.0.1:8787');
    const lines = block.trimEnd().split('\n');
    const script = lines
      .map((line) =>
        line.startsWith('#') || /^[A-Z_]+=/.test(line) ? line : `${line}; printf '\\n'`,
      )
      .join('\n')
      .replaceAll('http://127.0.0.1:8787', stack.apiUrl);
    const { stdout } = await run('bash', ['-euo', 'pipefail', '-c', script], {
      cwd: ROOT,
      env: {
        ...process.env,
        // `npx pinstack` must find this Node (24), and the test's stack.
        PATH: `${dirname(process.execPath)}:${process.env.PATH}`,
        PINSTACK_DATA_DIR: stack.dataDir,
        LOG_LEVEL: 'silent',
      },
      timeout: 60_000,
    });
    const outputs = stdout.split('\n');
    const expected = lines.filter((line) => line.startsWith('# ')).map((line) => line.slice(2));
    expect(expected.length).toBeGreaterThanOrEqual(3);
    let at = 0;
    for (const pattern of expected) {
      const regex = new RegExp(
        `^${pattern
          .split('...')
          .map((part) => part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'))
          .join('.*')}$`,
      );
      const found = outputs.findIndex((output, index) => index >= at && regex.test(output));
      expect(found, `no output line matches "${pattern}" in:\n${stdout}`).toBeGreaterThanOrEqual(0);
      at = found + 1;
    }
  });
});
