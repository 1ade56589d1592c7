/**
 * The README is the front door, so it is checked like code: its settings tables equal the
 * declarations in system/settings.ts, its route table lists every route the contract has, and
 * every shell variable its examples use is defined before it is used. (The quick start itself
 * runs in test/integration/readme.test.ts.)
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { apiRoutes } from '../../../contract/api.ts';
import { type Setting, type SettingName, settings } from '../../../system/settings.ts';

const README = readFileSync(join(import.meta.dirname, '..', '..', '..', 'README.md'), 'utf8');

/** The body of the section under `## title` (up to the next `## `). */
function section(title: string): string {
  const start = README.indexOf(`\n## ${title}\n`);
  if (start < 0) throw new Error(`README has no "## ${title}" section`);
  const end = README.indexOf('\n## ', start + 1);
  return README.slice(start, end < 0 ? undefined : end);
}

/** Rows of every Markdown table in `text`, as trimmed cells (header and rule rows left out). */
function tableRows(text: string): string[][] {
  const rows: string[][] = [];
  for (const block of text.split(/\n(?!\|)/)) {
    const lines = block.split('\n').filter((line) => line.startsWith('|'));
    for (const line of lines.slice(2)) {
      rows.push(
        line
          .split('|')
          .slice(1, -1)
          .map((cell) => cell.trim()),
      );
    }
  }
  return rows;
}

const shownDefault = (spec: Setting<unknown>) =>
  spec.shownDefault ?? (spec.default === undefined ? 'unset' : `\`${String(spec.default)}\``);

describe('README', () => {
  it('documents every setting once, with its declared default', () => {
    const rows = tableRows(section('Settings')).filter(([name]) =>
      /^`[A-Z0-9_]+`$/.test(name ?? ''),
    );
    const documented = new Map(rows.map(([name, value]) => [name?.slice(1, -1), value]));
    expect(rows.length, 'a setting documented twice').toBe(documented.size);
    expect([...documented.keys()].sort()).toEqual(Object.keys(settings).sort());
    for (const [name, spec] of Object.entries(settings) as [SettingName, Setting<unknown>][]) {
      expect(documented.get(name), name).toBe(shownDefault(spec));
    }
  });

  it('lists every route of the API, with its auth', () => {
    const rows = tableRows(section('API')).filter(([route]) => /^`[A-Z]+ \//.test(route ?? ''));
    const listed = new Map(rows.map(([route, auth]) => [route?.slice(1, -1), auth]));
    for (const route of apiRoutes) {
      const key = `${route.method} ${route.path}`;
      expect(listed.has(key), `${key} is not in the README's route table`).toBe(true);
      expect(listed.get(key), key).toBe(route.auth === 'none' ? 'none' : 'token');
    }
    expect(listed.size).toBe(apiRoutes.length);
  });

  it('defines every shell variable before an example uses it', () => {
    // What a reader's shell already has.
    const given = new Set(['PATH', 'HOME', 'PWD', 'AWS_PROFILE', 'AWS_REGION']);
    const defined = new Set(given);
    const undefinedUses: string[] = [];
    for (const [, block] of README.matchAll(/```sh\n([\s\S]*?)```/g)) {
      for (const raw of (block as string).split('\n')) {
        const line = raw.replace(/(^|\s)#.*$/, '');
        // Uses are checked before this line's own assignments count (`X=$X` needs X first).
        for (const [, name] of line.matchAll(/\$\{?([A-Za-z_][A-Za-z0-9_]*)/g)) {
          if (!defined.has(name as string)) undefinedUses.push(`${name}: ${raw.trim()}`);
        }
        for (const [, name] of line.matchAll(/(?:^|[\s;&(]|export\s+)([A-Za-z_][A-Za-z0-9_]*)=/g)) {
          defined.add(name as string);
        }
      }
    }
    expect(undefinedUses).toEqual([]);
  });
});
