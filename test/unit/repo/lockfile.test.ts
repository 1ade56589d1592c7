/**
 * `npm ci` installs exactly the lock file, on every platform: so the lock must list each
 * platform's optional packages (npm writes only the current platform's when node_modules
 * already exists), and it must agree with package.json.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = join(import.meta.dirname, '..', '..', '..');
const read = (file: string) => JSON.parse(readFileSync(join(ROOT, file), 'utf8'));

interface LockedPackage {
  version?: string;
  optionalDependencies?: Record<string, string>;
  dependencies?: Record<string, string>;
  devDependencies?: Record<string, string>;
}

const lock = read('package-lock.json') as { packages: Record<string, LockedPackage> };
const pkg = read('package.json') as LockedPackage;

/** Where npm resolves `name` from the package at `path`: its own node_modules, then upwards. */
function resolved(path: string, name: string): string | undefined {
  let base = path;
  for (;;) {
    const candidate = `${base ? `${base}/` : ''}node_modules/${name}`;
    if (lock.packages[candidate]) return candidate;
    if (!base) return undefined;
    const at = base.lastIndexOf('node_modules/');
    base = at <= 0 ? '' : base.slice(0, at - 1);
  }
}

describe('package-lock.json', () => {
  it('lists every optional (per-platform) package of every locked package', () => {
    const missing: string[] = [];
    for (const [path, entry] of Object.entries(lock.packages)) {
      for (const name of Object.keys(entry.optionalDependencies ?? {})) {
        if (!resolved(path, name)) missing.push(`${path || 'package.json'} -> ${name}`);
      }
    }
    expect(missing).toEqual([]);
  });

  it('locks exactly what package.json asks for', () => {
    const root = lock.packages[''] as LockedPackage;
    expect(root.dependencies).toEqual(pkg.dependencies);
    expect(root.devDependencies).toEqual(pkg.devDependencies);
    for (const name of Object.keys({ ...pkg.dependencies, ...pkg.devDependencies })) {
      expect(lock.packages[`node_modules/${name}`]?.version, name).toBeDefined();
    }
  });
});
