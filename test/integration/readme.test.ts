/**
 * The README's examples, run as written against a fresh local stack: each command's output
 * must match the `# ...` line after it (`...` stands for anything). Only the stack's address
 * differs (the test's stack listens on a free port), and a newline is printed after each
 * command whose output the README shows, so that outputs do not run together.
 * - the quick start, in the repository;
 * - the multipart staged upload, in a folder of its own (it writes files), after the quick
 *   start's lines defining `API` and `TOKEN`, which it says it uses.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, symlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
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

/** The `sh` blocks of the README section under `heading`, in order. */
async function shBlocks(heading: string): Promise<string[]> {
  const readme = await readFile(join(ROOT, 'README.md'), 'utf8');
  const start = readme.indexOf(`\n${heading}\n`);
  if (start < 0) throw new Error(`README has no "${heading}" section`);
  const level = heading.split(' ')[0] as string;
  const end = readme.slice(start + 1).search(new RegExp(`\\n#{2,${level.length}} `));
  const text = readme.slice(start, end < 0 ? undefined : start + 1 + end);
  return [...text.matchAll(/```sh\n([\s\S]*?)```/g)].map((match) => match[1] as string);
}

/** Runs `block` after `prelude` and checks its outputs against its `# ...` lines. */
async function runsAsWritten(block: string, options: { prelude?: string; cwd?: string } = {}) {
  const lines = block.trimEnd().split('\n');
  const script = lines
    .map((line, index) => (lines[index + 1]?.startsWith('# ') ? `${line}; printf '\\n'` : line))
    .join('\n');
  const { stdout } = await run(
    'bash',
    [
      '-euo',
      'pipefail',
      '-c',
      `${options.prelude ?? ''}\n${script}`.replaceAll('http://127.0.0.1:8787', stack.apiUrl),
    ],
    {
      cwd: options.cwd ?? ROOT,
      env: {
        ...process.env,
        // `npx pinstack` must find this Node (24), and the test's stack.
        PATH: `${dirname(process.execPath)}:${process.env.PATH}`,
        PINSTACK_DATA_DIR: stack.dataDir,
        LOG_LEVEL: 'silent',
      },
      timeout: 120_000,
      maxBuffer: 16 << 20,
    },
  );
  const outputs = stdout.split('\n');
  const expected = lines.filter((line) => line.startsWith('# ')).map((line) => line.slice(2));
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
  return { expected, stdout };
}

describe('README', () => {
  it('quick start: runs as written and prints what it says', async () => {
    const [block] = await shBlocks('## Quick start');
    if (!block) throw new Error('README has no quick-start sh block');
    expect(block).toContain('http://127.0.0.1:8787');
    const { expected } = await runsAsWritten(block);
    expect(expected.length).toBeGreaterThanOrEqual(3);
  });

  it('multipart staged upload: runs as written, parts over plain S3, stored', async () => {
    const [quickStart] = await shBlocks('## Quick start');
    const block = (await shBlocks('### Large uploads (staged)')).find((text) =>
      text.includes('/complete'),
    );
    if (!quickStart || !block) throw new Error('README has no multipart example');
    const prelude = quickStart
      .split('\n')
      .filter((line) => /^(API|TOKEN)=/.test(line))
      .join('\n');
    const cwd = await mkdtemp(join(tmpdir(), 'pinstack-readme-'));
    try {
      // `npx` finds the repository's tools (ipfs-car) from here.
      await symlink(join(ROOT, 'node_modules'), join(cwd, 'node_modules'));
      const { expected, stdout } = await runsAsWritten(block, {
        // `npx pinstack` (for the token) runs in the repository, the rest in the folder.
        prelude: `cd '${ROOT}'\n${prelude}\ncd '${cwd}'`,
        cwd,
      });
      expect(expected.at(-1)).toContain('"status":"stored"');
      const cid = /"cid":"([^"]+)"/.exec(stdout.trimEnd().split('\n').at(-1) ?? '')?.[1];
      const { stdout: roots } = await run(join(ROOT, 'node_modules', '.bin', 'ipfs-car'), [
        'roots',
        join(cwd, 'media.car'),
      ]);
      expect(roots.trim()).toBe(cid);
    } finally {
      await rm(cwd, { recursive: true, force: true });
    }
  });
});
