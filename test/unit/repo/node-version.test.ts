/**
 * On a Node.js older than 24, `npm start`, `npm test` and `npx pinstack` stop at once with one
 * line saying what is needed, what was found and how to get it — no stack trace.
 */
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const run = promisify(execFile);
const ROOT = join(import.meta.dirname, '..', '..', '..');

/** Runs `entry` in this Node, made to report `version` as its own. */
async function asNode(version: string, entry: string) {
  const script = [
    `Object.defineProperty(process, 'versions', { value: { ...process.versions, node: '${version}' } });`,
    `Object.defineProperty(process, 'version', { value: 'v${version}' });`,
    `await import(${JSON.stringify(pathToFileURL(join(ROOT, entry)).href)});`,
  ].join('\n');
  try {
    const { stdout, stderr } = await run(process.execPath, ['--input-type=module', '-e', script], {
      cwd: ROOT,
    });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code: number; stdout: string; stderr: string };
    return { code: failed.code, stdout: failed.stdout, stderr: failed.stderr };
  }
}

describe('the Node.js version check', () => {
  it.each(['bin/require-node.js', 'bin/pinstack-cli.js'])(
    '%s stops Node 20 with one line naming the need, the version found and the way out',
    async (entry) => {
      const result = await asNode('20.20.2', entry);
      expect(result.code).toBe(1);
      expect(result.stdout).toBe('');
      const lines = result.stderr.trim().split('\n');
      expect(lines).toHaveLength(1);
      expect(lines[0]).toMatch(
        /^pinstack needs Node\.js 24 or later; this is Node\.js v20\.20\.2\./,
      );
      expect(lines[0]).toMatch(/nodejs\.org/);
    },
  );

  it('lets Node 24 through', async () => {
    expect((await asNode('24.0.0', 'bin/require-node.js')).code).toBe(0);
  });

  it('runs first in npm start and npm test', () => {
    const { scripts } = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8'));
    for (const name of ['start', 'test']) {
      expect(scripts[name], name).toMatch(/^node bin\/require-node\.js && /);
    }
  });
});
