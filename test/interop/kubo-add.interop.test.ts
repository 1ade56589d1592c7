/**
 * What `POST /upload` computes is what `ipfs add --cid-version=1` computes, checked against
 * Kubo itself (not the importer library pinstack uses): single files of every size class, and
 * directories whose file names are what people really send — UTF-8 (`café.txt`, CJK, emoji),
 * spaces, punctuation, nested paths — posted as multipart the way browsers and `curl -F` send them.
 */
import { execFileSync } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seededBytes } from '../support/ipfs-fixtures.ts';
import { type TestStack, withLocalStack } from '../support/local-stack.ts';
import { goToolchain, installKubo } from './tools.ts';

const go = await goToolchain();
if ('skip' in go) console.warn(`[interop] Kubo CID checks skipped: ${go.skip}`);

describe.skipIf('skip' in go)('CIDs equal Kubo `ipfs add --cid-version=1`', () => {
  let stack: TestStack;
  let token: string;
  let ipfs: (args: string[], cwd?: string) => string;
  let work: string;

  beforeAll(async () => {
    const kubo = await installKubo();
    if (kubo.skip !== undefined) throw new Error(kubo.skip);
    work = await mkdtemp(join(tmpdir(), 'pinstack-kubo-add-'));
    const env = { ...process.env, IPFS_PATH: join(work, 'repo') };
    ipfs = (args, cwd = work) =>
      execFileSync(kubo.bins.ipfs, args, { cwd, env, encoding: 'utf8' }).trim();
    ipfs(['init', '--profile=test', '--empty-repo']);
    stack = await withLocalStack();
    const { createTestToken } = await import('../support/api-client.ts');
    token = (await createTestToken(stack, 'kubo-add')).token;
  }, 600_000);

  afterAll(async () => {
    await stack?.stop();
    if (work) await rm(work, { recursive: true, force: true });
  });

  const kuboAdd = (path: string) => ipfs(['add', '-Q', '-r', '--cid-version=1', '--offline', path]);

  async function upload(body: RequestInit['body'], headers: Record<string, string> = {}) {
    const response = await fetch(`${stack.apiUrl}/upload`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, ...headers },
      body,
    });
    const json = (await response.json()) as { value?: { cid: string }; error?: unknown };
    expect(response.status, JSON.stringify(json.error)).toBe(200);
    return json.value?.cid;
  }

  it.each([
    ['one byte', 1],
    ['one chunk exactly', 262_144],
    ['a chunk and a byte', 262_145],
    ['many chunks, near the inline limit', 4_000_000],
  ])('a raw file: %s', async (_label, size) => {
    const bytes = seededBytes(size, size);
    const file = join(work, `file-${size}.bin`);
    await writeFile(file, bytes);
    const cid = await upload(bytes, { 'content-type': 'application/octet-stream' });
    expect(cid).toBe(kuboAdd(file));
  });

  it('a directory with UTF-8, spaces, punctuation and nested paths, sent as multipart', async () => {
    const files: [string, Uint8Array][] = [
      ['café.txt', new TextEncoder().encode('un café, s’il vous plaît')],
      ['日本語/ファイル.txt', new TextEncoder().encode('こんにちは')],
      ['emoji 🎨/art work.png', seededBytes(300_000, 3)],
      ["an apostrophe's (parens) & ampersand.json", new TextEncoder().encode('{"a":1}')],
      ['deep/er/still/Ünïcødé name.md', new TextEncoder().encode('# hi')],
    ];
    const dir = join(work, 'collection');
    const form = new FormData();
    for (const [name, content] of files) {
      await mkdir(dirname(join(dir, name)), { recursive: true });
      await writeFile(join(dir, name), content);
      form.append('file', new Blob([content]), name);
    }
    expect(await upload(form)).toBe(kuboAdd(dir));
  });
});
