/**
 * The real programs the interop suite runs, installed from the registries only (the Go module
 * proxy and PyPI) into one cache folder that later runs reuse:
 *
 *   ${PINSTACK_INTEROP_CACHE:-$HOME/.cache/pinstack-interop}
 *     bin/         the built programs, each with a `.<name>.stamp.json` written by this module
 *     gopath/ gomodcache/ gocache/   GOPATH, GOMODCACHE and GOCACHE of every build
 *     build/       writable copies of module sources being patched (removed after a build)
 *     venv/<name>/ a Python venv per package (schemathesis, prometheus-client)
 *     src/gateway-conformance/   a checkout of the conformance suite (the proxy refuses it)
 *
 * A cached program is used only when its stamp says this module built it with the same recipe,
 * the binary's SHA-256 still matches the stamp and the program reports the expected version;
 * anything else in bin/ (a binary built by hand, another recipe, a half-written file) is
 * rebuilt over. Every installer prints how long it took, and resolves to `{ skip }` with a
 * reason instead of throwing when the toolchain it needs (Go, Python) is absent, or when the
 * registry does not serve the program at all. A build that fails with the toolchain present
 * throws: that is a real problem, not a reason to skip.
 */
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { createReadStream, existsSync } from 'node:fs';
import { chmod, cp, mkdir, mkdtemp, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';

export type Installed<T extends string = string> =
  | { skip?: undefined; bins: Record<T, string>; env: Record<string, string>; cached: boolean }
  | { skip: string };

export const KUBO_VERSION = '0.43.1';
export const STORETHEINDEX_VERSION = '0.12.1';
export const IPFS_CLUSTER_VERSION = '1.1.6';
export const SCHEMATHESIS_VERSION = '4.32.5';
export const GATEWAY_CONFORMANCE_VERSION = '0.13.2';
export const PROMETHEUS_CLIENT_VERSION = '0.26.0';

/** Long enough for a cold Kubo build (about 2.5 min on 2 cores) with every module downloaded. */
const STEP_TIMEOUT_MS = 20 * 60_000;

export function interopCache(): string {
  return process.env.PINSTACK_INTEROP_CACHE || join(homedir(), '.cache', 'pinstack-interop');
}

function cachePath(...parts: string[]): string {
  return join(interopCache(), ...parts);
}

/** The environment of every `go` command: all of Go's state inside the cache. */
function goEnv(): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [name, value] of Object.entries(process.env))
    if (value !== undefined) env[name] = value;
  return {
    ...env,
    GOPATH: cachePath('gopath'),
    GOMODCACHE: cachePath('gomodcache'),
    GOCACHE: cachePath('gocache'),
    GOBIN: cachePath('bin'),
    // No VCS stamping (builds run outside any repository); a module cache that `rm -rf` can remove.
    GOFLAGS: '-buildvcs=false -modcacherw',
    // Build with the Go that is installed; never fetch another toolchain behind the user's back.
    GOTOOLCHAIN: 'local',
    GOWORK: 'off',
    GO111MODULE: 'on',
  };
}

interface RunResult {
  stdout: string;
  stderr: string;
}

class CommandFailed extends Error {
  readonly stdout: string;
  readonly stderr: string;
  constructor(command: string, detail: string, stdout: string, stderr: string) {
    super(`${command} failed: ${detail}`);
    this.stdout = stdout;
    this.stderr = stderr;
  }
}

function run(
  file: string,
  args: string[],
  options: { cwd?: string; env?: Record<string, string>; timeoutMs?: number } = {},
): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    execFile(
      file,
      args,
      {
        cwd: options.cwd,
        env: options.env ?? (process.env as Record<string, string>),
        timeout: options.timeoutMs ?? STEP_TIMEOUT_MS,
        maxBuffer: 256 * 1024 * 1024,
      },
      (error, stdout, stderr) => {
        if (!error) return resolve({ stdout, stderr });
        const command = [file, ...args].join(' ');
        const tail = (stderr || stdout || error.message).trim().split('\n').slice(-25).join('\n');
        reject(new CommandFailed(command, tail, stdout, stderr));
      },
    );
  });
}

/** `undefined` when the command cannot be started at all (not installed). */
async function versionOf(file: string, args: string[], env?: Record<string, string>) {
  try {
    const { stdout, stderr } = await run(file, args, { env, timeoutMs: 60_000 });
    return `${stdout}${stderr}`.trim();
  } catch (error) {
    if (error instanceof CommandFailed) return `${error.stdout}${error.stderr}`.trim() || undefined;
    return undefined;
  }
}

export function formatSeconds(seconds: number): string {
  if (seconds < 59.95) return `${seconds.toFixed(1)}s`;
  const whole = Math.round(seconds);
  return `${Math.floor(whole / 60)}m${String(whole % 60).padStart(2, '0')}s`;
}

/** Runs one installer, printing what it did and how long it took. */
async function timed<T extends string>(
  label: string,
  install: () => Promise<Installed<T>>,
): Promise<Installed<T>> {
  const started = performance.now();
  const result = await install();
  const took = formatSeconds((performance.now() - started) / 1000);
  if (result.skip !== undefined)
    console.log(`[interop] ${label}: skipped (${took}): ${result.skip}`);
  else console.log(`[interop] ${label}: ${result.cached ? 'cached' : 'installed'} in ${took}`);
  return result;
}

// ---------------------------------------------------------------------------------------------
// Toolchains

let goCheck: Promise<{ version: string } | { skip: string }> | undefined;

/** The installed Go, or why Go programs are skipped. */
export function goToolchain(): Promise<{ version: string } | { skip: string }> {
  goCheck ??= (async () => {
    const out = await versionOf('go', ['env', 'GOVERSION'], goEnv());
    if (out === undefined) return { skip: 'Go is not installed (no `go` on PATH)' };
    const version = out.split('\n').at(-1)?.trim() ?? '';
    if (!/^go\d/.test(version)) return { skip: `\`go env GOVERSION\` did not work: ${out}` };
    return { version };
  })();
  return goCheck;
}

let pythonCheck: Promise<{ python: string; version: string } | { skip: string }> | undefined;

/** A Python 3 that can make venvs, or why Python programs are skipped. */
export function pythonToolchain(): Promise<{ python: string; version: string } | { skip: string }> {
  pythonCheck ??= (async () => {
    for (const python of ['python3', 'python']) {
      const out = await versionOf(python, [
        '-c',
        'import sys, venv, ensurepip; print("%d.%d.%d" % sys.version_info[:3])',
      ]);
      if (out === undefined) continue;
      const version = out.split('\n').at(-1)?.trim() ?? '';
      if (!/^3\.\d+\.\d+$/.test(version)) {
        return { skip: `${python} cannot create virtual environments (venv/ensurepip): ${out}` };
      }
      const [, minor] = version.split('.').map(Number);
      if ((minor ?? 0) < 9)
        return { skip: `schemathesis needs Python >= 3.9; ${python} is ${version}` };
      return { python, version };
    }
    return { skip: 'Python 3 is not installed (no `python3` or `python` on PATH)' };
  })();
  return pythonCheck;
}

// ---------------------------------------------------------------------------------------------
// Stamps: what this module built, so nothing else in the cache is ever trusted

interface Stamp {
  recipe: string;
  sha256: string;
  version: string;
  builtAt: string;
  buildSeconds: number;
}

function stampPath(bin: string): string {
  return cachePath('bin', `.${bin}.stamp.json`);
}

async function sha256File(path: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

async function readStamp(bin: string): Promise<Stamp | undefined> {
  try {
    return JSON.parse(await readFile(stampPath(bin), 'utf8')) as Stamp;
  } catch {
    return undefined;
  }
}

/** The cached binary, if this recipe built it, it is unchanged and it reports `expected`. */
async function cachedBinary(
  bin: string,
  recipe: string,
  versionArgs: string[],
  expected: RegExp,
): Promise<string | undefined> {
  const path = cachePath('bin', bin);
  const stamp = await readStamp(bin);
  if (stamp?.recipe !== recipe) return undefined;
  try {
    if (!(await stat(path)).isFile() || (await sha256File(path)) !== stamp.sha256) return undefined;
  } catch {
    return undefined;
  }
  const out = await versionOf(path, versionArgs);
  return out !== undefined && expected.test(out) ? path : undefined;
}

/** Moves a freshly built binary into bin/ after checking its version, and stamps it. */
async function adoptBinary(
  built: string,
  bin: string,
  recipe: string,
  versionArgs: string[],
  expected: RegExp,
  buildSeconds: number,
): Promise<string> {
  const version = (await versionOf(built, versionArgs)) ?? '(did not start)';
  if (!expected.test(version)) {
    await rm(built, { force: true });
    throw new Error(`${bin} was built but \`${bin} ${versionArgs.join(' ')}\` says: ${version}`);
  }
  const path = cachePath('bin', bin);
  const sha256 = await sha256File(built);
  await rm(stampPath(bin), { force: true });
  await rename(built, path);
  const stamp: Stamp = {
    recipe,
    sha256,
    version,
    builtAt: new Date().toISOString(),
    buildSeconds: Math.round(buildSeconds),
  };
  await writeFile(stampPath(bin), `${JSON.stringify(stamp, null, 2)}\n`);
  return path;
}

// ---------------------------------------------------------------------------------------------
// Go programs

/** `go mod download` of one module version: its (read-only) source dir in GOMODCACHE. */
async function downloadModule(moduleAtVersion: string): Promise<string> {
  let stdout: string;
  try {
    ({ stdout } = await run('go', ['mod', 'download', '-json', moduleAtVersion], { env: goEnv() }));
  } catch (error) {
    // On failure `go mod download -json` still prints the JSON, with the proxy's answer in Error.
    if (!(error instanceof CommandFailed)) throw error;
    stdout = error.stdout;
    const reason = moduleError(stdout) ?? error.message;
    throw new ModuleUnavailable(moduleAtVersion, reason);
  }
  const info = JSON.parse(stdout) as { Dir?: string; Error?: string };
  if (info.Error || !info.Dir) throw new ModuleUnavailable(moduleAtVersion, info.Error ?? stdout);
  return info.Dir;
}

function moduleError(stdout: string): string | undefined {
  try {
    return (JSON.parse(stdout) as { Error?: string }).Error;
  } catch {
    return undefined;
  }
}

class ModuleUnavailable extends Error {
  readonly reason: string;
  constructor(moduleAtVersion: string, reason: string) {
    super(`the Go module proxy does not serve ${moduleAtVersion}: ${reason}`);
    this.reason = reason;
  }
}

/** A writable copy of a module's source, to patch its go.mod; removed by the caller. */
async function writableCopy(sourceDir: string, name: string): Promise<string> {
  await mkdir(cachePath('build'), { recursive: true });
  const dir = await mkdtemp(cachePath('build', `${name}-`));
  await cp(sourceDir, dir, { recursive: true });
  await makeWritable(dir);
  return dir;
}

async function makeWritable(dir: string): Promise<void> {
  // The module cache is read-only (files 0444, dirs 0555); the copy keeps those modes.
  await run('chmod', ['-R', 'u+w', dir], { timeoutMs: 60_000 });
  await chmod(dir, 0o755);
}

interface GoProgram<T extends string> {
  label: string;
  /** module@version as the proxy serves it. */
  module: string;
  /** Edits of the module's go.mod before building (empty: build it unmodified). */
  goModEdits: string[][];
  /** binary name -> package to build, relative to the module root. */
  packages: Record<T, string>;
  versionArgs: Record<T, string[]>;
  expectedVersion: RegExp;
  ldflags?: string;
  /** Extra environment the programs need at run time, given the module's source dir. */
  runEnv?: (moduleDir: string) => Record<string, string>;
}

/**
 * Builds a Go program from the module proxy, `go install pkg@version`-style but from the
 * downloaded module dir (and, when its go.mod must change, from a writable copy of it).
 */
async function installGoProgram<T extends string>(program: GoProgram<T>): Promise<Installed<T>> {
  const go = await goToolchain();
  if ('skip' in go) return { skip: go.skip };
  const recipe = JSON.stringify({
    module: program.module,
    edits: program.goModEdits,
    packages: program.packages,
    ldflags: program.ldflags ?? '',
    flags: ['-trimpath'],
    go: go.version,
  });
  const names = Object.keys(program.packages) as T[];
  const bins = {} as Record<T, string>;
  let allCached = true;
  for (const name of names) {
    const path = await cachedBinary(
      name,
      recipe,
      program.versionArgs[name],
      program.expectedVersion,
    );
    if (path === undefined) allCached = false;
    else bins[name] = path;
  }
  // Run-time env may need the module dir (always in GOMODCACHE once built; cheap to resolve).
  const needsModuleDir = !allCached || program.runEnv !== undefined;
  let moduleDir: string | undefined;
  if (needsModuleDir) {
    try {
      moduleDir = await downloadModule(program.module);
    } catch (error) {
      if (error instanceof ModuleUnavailable) return { skip: error.message };
      throw error;
    }
  }
  const env = program.runEnv && moduleDir ? program.runEnv(moduleDir) : {};
  if (allCached) return { bins, env, cached: true };

  const started = performance.now();
  const label = program.label;
  const edited = program.goModEdits.length > 0;
  const buildDir = edited
    ? await writableCopy(moduleDir as string, label.replace(/\W+/g, '-'))
    : (moduleDir as string);
  try {
    if (edited) {
      for (const edit of program.goModEdits) {
        await run('go', ['mod', 'edit', ...edit], { cwd: buildDir, env: goEnv() });
      }
      console.log(`[interop] ${label}: go mod tidy (${program.goModEdits.flat().join(' ')})`);
      await run('go', ['mod', 'tidy'], { cwd: buildDir, env: goEnv() });
    }
    await mkdir(cachePath('bin'), { recursive: true });
    for (const name of names) {
      if (bins[name] !== undefined) continue;
      console.log(`[interop] ${label}: go build ${program.packages[name]} (${name})`);
      const out = cachePath('bin', `.${name}.building-${process.pid}`);
      const args = ['build', '-trimpath', '-o', out];
      if (program.ldflags) args.push(`-ldflags=${program.ldflags}`);
      args.push(program.packages[name]);
      try {
        await run('go', args, { cwd: buildDir, env: goEnv() });
      } catch (error) {
        await rm(out, { force: true });
        throw error;
      }
      bins[name] = await adoptBinary(
        out,
        name,
        recipe,
        program.versionArgs[name],
        program.expectedVersion,
        (performance.now() - started) / 1000,
      );
    }
  } catch (error) {
    // GOTOOLCHAIN=local: a Go older than the module's `go` line is a missing toolchain.
    const tooOld = error instanceof CommandFailed && /requires go >= \S+/.exec(error.stderr);
    if (tooOld) return { skip: `${go.version} is too old for ${program.module}: ${tooOld[0]}` };
    throw error;
  } finally {
    if (edited) await rm(buildDir, { recursive: true, force: true });
  }
  return { bins, env, cached: false };
}

/**
 * Kubo (`ipfs`). `go install github.com/ipfs/kubo/cmd/ipfs@v0.43.1` is refused: Kubo's go.mod
 * replaces github.com/libp2p/go-libp2p with github.com/lidel/go-libp2p@v0.0.0-20260914191659-…,
 * which the proxy does not serve. The replace waits (its TODO says) for a go-libp2p release
 * that requires quic-go >= v0.62.0 and webtransport-go >= v0.13.0; v0.50.0 is that release, so
 * the recipe drops the replace and requires go-libp2p v0.50.0.
 */
export function installKubo(): Promise<Installed<'ipfs'>> {
  return timed(`kubo ${KUBO_VERSION}`, () =>
    installGoProgram({
      label: `kubo v${KUBO_VERSION}`,
      module: `github.com/ipfs/kubo@v${KUBO_VERSION}`,
      goModEdits: [
        [
          '-dropreplace=github.com/libp2p/go-libp2p',
          '-require=github.com/libp2p/go-libp2p@v0.50.0',
        ],
      ],
      packages: { ipfs: './cmd/ipfs' },
      versionArgs: { ipfs: ['version'] },
      expectedVersion: new RegExp(`^ipfs version ${escapeRegExp(KUBO_VERSION)}\\b`),
    }),
  );
}

/**
 * storetheindex (the IPNI indexer). v0.12.1 requires github.com/ipni/go-libipni v0.7.7, which
 * the proxy does not serve; v0.7.8 is served (`go get` fails, still reading v0.7.7's go.mod),
 * so the recipe edits the requirement and tidies.
 */
export function installStoreTheIndex(): Promise<Installed<'storetheindex'>> {
  return timed(`storetheindex ${STORETHEINDEX_VERSION}`, () =>
    installGoProgram({
      label: `storetheindex v${STORETHEINDEX_VERSION}`,
      module: `github.com/ipni/storetheindex@v${STORETHEINDEX_VERSION}`,
      goModEdits: [['-require=github.com/ipni/go-libipni@v0.7.8']],
      packages: { storetheindex: '.' },
      versionArgs: { storetheindex: ['--version'] },
      expectedVersion: new RegExp(`version v${escapeRegExp(STORETHEINDEX_VERSION)}\\b`),
    }),
  );
}

/**
 * IPFS Cluster (`ipfs-cluster-service`, `ipfs-cluster-ctl`). Builds unmodified, but
 * `go install …@v1.1.6` fails (it reads the module's version list for deprecations, and the
 * proxy answers 403), so the recipe builds inside the downloaded module dir.
 */
export function installIpfsCluster(): Promise<
  Installed<'ipfs-cluster-service' | 'ipfs-cluster-ctl'>
> {
  return timed(`ipfs-cluster ${IPFS_CLUSTER_VERSION}`, () =>
    installGoProgram({
      label: `ipfs-cluster v${IPFS_CLUSTER_VERSION}`,
      module: `github.com/ipfs-cluster/ipfs-cluster@v${IPFS_CLUSTER_VERSION}`,
      goModEdits: [],
      packages: {
        'ipfs-cluster-service': './cmd/ipfs-cluster-service',
        'ipfs-cluster-ctl': './cmd/ipfs-cluster-ctl',
      },
      versionArgs: { 'ipfs-cluster-service': ['--version'], 'ipfs-cluster-ctl': ['--version'] },
      expectedVersion: new RegExp(`version ${escapeRegExp(IPFS_CLUSTER_VERSION)}\\b`),
    }),
  );
}

/**
 * The IPFS gateway conformance suite, from the proxy only. Its binary is a wrapper that runs
 * `go test ./tests` in the module's source tree, so the source dir is handed over as
 * GATEWAY_CONFORMANCE_HOME. When the proxy does not serve it (v0.13.2's .mod answered 403 when
 * this was written), this resolves to a skip carrying the proxy's exact error: the suite never
 * builds it from anywhere else.
 */
export function installGatewayConformance(): Promise<Installed<'gateway-conformance'>> {
  return timed(`gateway-conformance ${GATEWAY_CONFORMANCE_VERSION}`, () =>
    installGoProgram({
      label: `gateway-conformance v${GATEWAY_CONFORMANCE_VERSION}`,
      module: `github.com/ipfs/gateway-conformance@v${GATEWAY_CONFORMANCE_VERSION}`,
      goModEdits: [],
      packages: { 'gateway-conformance': './cmd/gateway-conformance' },
      versionArgs: { 'gateway-conformance': ['--version'] },
      expectedVersion: new RegExp(`v?${escapeRegExp(GATEWAY_CONFORMANCE_VERSION)}\\b`),
      ldflags: `-X github.com/ipfs/gateway-conformance/tooling.Version=v${GATEWAY_CONFORMANCE_VERSION}`,
      runEnv: (moduleDir) => ({ GATEWAY_CONFORMANCE_HOME: moduleDir }),
    }),
  );
}

/**
 * The conformance suite's Go tests compiled into one test binary, from the module the proxy
 * serves or, when the proxy refuses it, from a checkout named by PINSTACK_GATEWAY_CONFORMANCE_SRC
 * or kept in the cache at src/gateway-conformance (its dependencies still come from the proxy). The binary reads its fixtures from the source
 * tree, handed over as GATEWAY_CONFORMANCE_HOME.
 */
export async function installGatewayConformanceTests(): Promise<Installed<'conformance'>> {
  const go = await goToolchain();
  if ('skip' in go) return { skip: go.skip };
  const fromProxy = await installGatewayConformance();
  const cachedCheckout = cachePath('src', 'gateway-conformance');
  const checkout =
    process.env.PINSTACK_GATEWAY_CONFORMANCE_SRC ||
    (existsSync(join(cachedCheckout, 'go.mod')) ? cachedCheckout : undefined);
  let home: string;
  if (fromProxy.skip === undefined) home = fromProxy.env.GATEWAY_CONFORMANCE_HOME as string;
  else if (checkout) home = checkout;
  else {
    return {
      skip: `${fromProxy.skip}; set PINSTACK_GATEWAY_CONFORMANCE_SRC to a checkout of github.com/ipfs/gateway-conformance (or put one at ${cachedCheckout}) to build its tests from it`,
    };
  }
  return timed('gateway-conformance tests', async () => {
    const bin = cachePath('bin', 'gateway-conformance.test');
    await mkdir(cachePath('bin'), { recursive: true });
    // Go's build cache makes this quick after the first time; the sources decide, not a stamp.
    await run('go', ['test', '-c', '-o', bin, './tests'], { cwd: home, env: goEnv() });
    return { bins: { conformance: bin }, env: { GATEWAY_CONFORMANCE_HOME: home }, cached: false };
  });
}

// ---------------------------------------------------------------------------------------------
// Python programs

interface VenvStamp {
  recipe: string;
}

/**
 * One Python package at one version in a venv of its own under the cache (`venv/<name>`), reused
 * while its stamp names the same recipe and `probe` still reports the version.
 */
async function installPythonPackage(options: {
  name: string;
  requirement: string;
  version: string;
  /** The program and arguments that print the installed version. */
  probe: (venv: string) => [string, string[]];
}): Promise<Installed<'python'>> {
  const python = await pythonToolchain();
  if ('skip' in python) return { skip: python.skip };
  const venv = cachePath('venv', options.name);
  const venvPython = join(venv, 'bin', 'python');
  const recipe = JSON.stringify({
    [options.requirement]: options.version,
    python: python.version,
  });
  const stampFile = join(venv, '.pinstack-stamp.json');
  const expected = new RegExp(`\\b${escapeRegExp(options.version)}\\b`);
  const reported = () => versionOf(...options.probe(venv));
  let stamp: VenvStamp | undefined;
  try {
    stamp = JSON.parse(await readFile(stampFile, 'utf8')) as VenvStamp;
  } catch {}
  if (stamp?.recipe === recipe && expected.test((await reported()) ?? '')) {
    return { bins: { python: venvPython }, env: {}, cached: true };
  }
  await rm(venv, { recursive: true, force: true });
  await mkdir(dirname(venv), { recursive: true });
  await run(python.python, ['-m', 'venv', venv]);
  await run(venvPython, [
    '-m',
    'pip',
    'install',
    '--disable-pip-version-check',
    '--no-input',
    `${options.requirement}==${options.version}`,
  ]);
  const version = (await reported()) ?? '(did not start)';
  if (!expected.test(version)) {
    throw new Error(`${options.requirement} installed, but it reports: ${version}`);
  }
  await writeFile(stampFile, `${JSON.stringify({ recipe } satisfies VenvStamp)}\n`);
  return { bins: { python: venvPython }, env: {}, cached: false };
}

/** schemathesis (`st`) in a venv of its own under the cache. */
export function installSchemathesis(): Promise<Installed<'st'>> {
  return timed(`schemathesis ${SCHEMATHESIS_VERSION}`, async () => {
    const installed = await installPythonPackage({
      name: 'schemathesis',
      requirement: 'schemathesis',
      version: SCHEMATHESIS_VERSION,
      probe: (venv) => [join(venv, 'bin', 'st'), ['--version']],
    });
    if (installed.skip !== undefined) return installed;
    return {
      bins: { st: join(dirname(installed.bins.python), 'st') },
      env: {},
      cached: installed.cached,
    };
  });
}

/**
 * The Prometheus project's own Python client, whose text-format parser
 * (`prometheus_client.parser.text_string_to_metric_families`) reads what /metrics serves.
 */
export function installPrometheusClient(): Promise<Installed<'python'>> {
  return timed(`prometheus-client ${PROMETHEUS_CLIENT_VERSION}`, async () => {
    return installPythonPackage({
      name: 'prometheus-client',
      requirement: 'prometheus-client',
      version: PROMETHEUS_CLIENT_VERSION,
      probe: (venv) => [
        join(venv, 'bin', 'python'),
        ['-c', 'import importlib.metadata as m; print(m.version("prometheus-client"))'],
      ],
    });
  });
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
