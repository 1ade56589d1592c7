/**
 * The dependency rules in .dependency-cruiser.json (run by `npm test` as `npm run deps`) really
 * fail: each forbidden kind of import, written into a scratch copy of the layout, is reported
 * by its rule's name, and a clean layout passes.
 */
import { execFile } from 'node:child_process';
import { copyFile, mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { afterEach, describe, expect, it } from 'vitest';

const run = promisify(execFile);
const ROOT = join(import.meta.dirname, '..', '..', '..');
const DEPCRUISE = join(ROOT, 'node_modules', '.bin', 'depcruise');

let scratch: string | undefined;

async function layout(files: Record<string, string>) {
  scratch = await mkdtemp(join(tmpdir(), 'pinstack-deps-'));
  await symlink(join(ROOT, 'node_modules'), join(scratch, 'node_modules'));
  for (const config of ['.dependency-cruiser.json', 'tsconfig.json']) {
    await copyFile(join(ROOT, config), join(scratch, config));
  }
  for (const [path, text] of Object.entries(files)) {
    await mkdir(dirname(join(scratch, path)), { recursive: true });
    await writeFile(join(scratch, path), text);
  }
  try {
    const { stdout } = await run(
      DEPCRUISE,
      [
        '--config',
        '.dependency-cruiser.json',
        ...new Set(Object.keys(files).map((f) => f.split('/')[0] as string)),
      ],
      { cwd: scratch },
    );
    return { failed: false, output: stdout };
  } catch (error) {
    return { failed: true, output: String((error as { stdout?: string }).stdout) };
  }
}

afterEach(async () => {
  if (scratch) await rm(scratch, { recursive: true, force: true });
  scratch = undefined;
});

describe('dependency rules', () => {
  it('pass a layout that imports top-down', async () => {
    const result = await layout({
      'system/a.ts': 'export const a = 1;\n',
      'contract/b.ts': "import { a } from '../system/a.ts';\nexport const b = a;\n",
      'lambdas/core/c.ts': "import { b } from '../../contract/b.ts';\nexport const c = b;\n",
      'lib/d.ts':
        "import { App } from 'aws-cdk-lib';\nimport { c } from '../lambdas/core/c.ts';\nexport const d = [App, c];\n",
    });
    expect(result.output).toContain('no dependency violations');
    expect(result.failed).toBe(false);
  });

  it.each([
    [
      'no-cycles',
      {
        'system/a.ts': "import { b } from './b.ts';\nexport const a = () => b;\n",
        'system/b.ts': "import { a } from './a.ts';\nexport const b = () => a;\n",
      },
    ],
    [
      'lambdas-stay-deployable',
      {
        'lib/app.ts': 'export const app = 1;\n',
        'lambdas/handlers/x.ts': "import { app } from '../../lib/app.ts';\nexport const x = app;\n",
      },
    ],
    [
      'no-cdk-at-runtime',
      { 'lambdas/handlers/x.ts': "import { App } from 'aws-cdk-lib';\nexport const x = App;\n" },
    ],
    [
      'description-is-pure',
      {
        'contract/x.ts':
          "import { S3Client } from '@aws-sdk/client-s3';\nexport const x = S3Client;\n",
      },
    ],
    [
      'core-has-no-sdk',
      {
        'lambdas/core/x.ts':
          "import { SQSClient } from '@aws-sdk/client-sqs';\nexport const x = SQSClient;\n",
      },
    ],
    [
      'core-has-no-adapters',
      {
        'lambdas/adapters/y.ts': 'export const y = 1;\n',
        'lambdas/core/x.ts': "import { y } from '../adapters/y.ts';\nexport const x = y;\n",
      },
    ],
  ])('fail on a layout that breaks %s', async (rule, files) => {
    const result = await layout(files);
    expect(result.failed).toBe(true);
    expect(result.output).toContain(`error ${rule}:`);
  });
});
