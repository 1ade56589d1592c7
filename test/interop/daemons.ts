/**
 * Real IPFS daemons for the interop suite, on loopback ports and temp repos, stopped (by their
 * own process ids) when the test is done: a Kubo node with its RPC API and gateway, and an IPFS
 * Cluster peer in front of it.
 */
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** A loopback port nothing listens on now. */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

export function run(
  bin: string,
  args: string[],
  env: Record<string, string>,
  timeoutMs = 120_000,
): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(
      bin,
      args,
      { env: { ...process.env, ...env }, timeout: timeoutMs, maxBuffer: 64 * 1024 * 1024 },
      (error, stdout, stderr) => {
        if (error) reject(new Error(`${bin} ${args.join(' ')} failed: ${stderr || error.message}`));
        else resolve(stdout);
      },
    );
  });
}

/** Spawns a daemon and waits until its output says it is ready. */
async function daemon(
  bin: string,
  args: string[],
  env: Record<string, string>,
  ready: RegExp,
): Promise<ChildProcess> {
  const child = spawn(bin, args, {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`${bin} not ready after 60s:\n${output}`)),
      60_000,
    );
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      if (ready.test(output)) {
        clearTimeout(timer);
        resolve();
      }
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`${bin} exited (${code}) before it was ready:\n${output}`));
    });
  });
  return child;
}

async function stopDaemon(child: ChildProcess) {
  if (child.exitCode !== null || child.pid === undefined) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  process.kill(child.pid, 'SIGTERM');
  const timer = setTimeout(() => child.pid && process.kill(child.pid, 'SIGKILL'), 10_000);
  await exited;
  clearTimeout(timer);
}

export interface Kubo {
  /** The RPC API, `http://127.0.0.1:<port>`. */
  api: string;
  /** The gateway, `http://127.0.0.1:<port>`. */
  gateway: string;
  apiMultiaddr: string;
  /** Runs `ipfs <args>` against this node. */
  ipfs(args: string[], timeoutMs?: number): Promise<string>;
  stop(): Promise<void>;
}

/** A Kubo node with its own repo, offline (no bootstrap, no network), serving RPC and a gateway. */
export async function startKubo(bin: string): Promise<Kubo> {
  const repo = await mkdtemp(join(tmpdir(), 'pinstack-kubo-'));
  const env = { IPFS_PATH: repo };
  const ipfs = (args: string[], timeoutMs?: number) => run(bin, args, env, timeoutMs);
  await ipfs(['init', '--profile=test', '--empty-repo']);
  const [apiPort, gatewayPort, swarmPort] = [await freePort(), await freePort(), await freePort()];
  await ipfs(['config', 'Addresses.API', `/ip4/127.0.0.1/tcp/${apiPort}`]);
  await ipfs(['config', 'Addresses.Gateway', `/ip4/127.0.0.1/tcp/${gatewayPort}`]);
  await ipfs([
    'config',
    '--json',
    'Addresses.Swarm',
    JSON.stringify([`/ip4/127.0.0.1/tcp/${swarmPort}`]),
  ]);
  await ipfs(['config', '--json', 'Bootstrap', '[]']);
  const child = await daemon(bin, ['daemon', '--offline'], env, /Daemon is ready/);
  return {
    api: `http://127.0.0.1:${apiPort}`,
    gateway: `http://127.0.0.1:${gatewayPort}`,
    apiMultiaddr: `/ip4/127.0.0.1/tcp/${apiPort}`,
    ipfs,
    async stop() {
      await stopDaemon(child);
      await rm(repo, { recursive: true, force: true });
    },
  };
}

export interface Cluster {
  /** The REST API, `http://127.0.0.1:<port>`. */
  rest: string;
  /** Its Pinning Service API, `http://127.0.0.1:<port>`. */
  pinningService: string;
  stop(): Promise<void>;
}

/**
 * A single IPFS Cluster peer (crdt consensus) pinning to `kubo`, on loopback only; its REST
 * API takes these basic-auth credentials, its Pinning Service API any token.
 */
export async function startCluster(
  bin: string,
  kubo: Kubo,
  credentials: { user: string; password: string },
): Promise<Cluster> {
  const home = await mkdtemp(join(tmpdir(), 'pinstack-cluster-'));
  const env = { IPFS_CLUSTER_PATH: home };
  await run(bin, ['init', '--consensus', 'crdt', '--datastore', 'pebble'], env);
  const [restPort, proxyPort, psaPort, swarmPort] = [
    await freePort(),
    await freePort(),
    await freePort(),
    await freePort(),
  ];
  const file = join(home, 'service.json');
  const config = JSON.parse(await readFile(file, 'utf8'));
  config.cluster.listen_multiaddress = [`/ip4/127.0.0.1/tcp/${swarmPort}`];
  config.cluster.mdns_interval = '0s';
  config.api.restapi.http_listen_multiaddress = `/ip4/127.0.0.1/tcp/${restPort}`;
  config.api.restapi.basic_auth_credentials = { [credentials.user]: credentials.password };
  config.api.ipfsproxy.listen_multiaddress = `/ip4/127.0.0.1/tcp/${proxyPort}`;
  config.api.ipfsproxy.node_multiaddress = kubo.apiMultiaddr;
  config.api.pinsvcapi.http_listen_multiaddress = `/ip4/127.0.0.1/tcp/${psaPort}`;
  config.ipfs_connector.ipfshttp.node_multiaddress = kubo.apiMultiaddr;
  await writeFile(file, JSON.stringify(config, null, 2));
  const child = await daemon(bin, ['daemon'], env, /IPFS Cluster is READY/);
  return {
    rest: `http://127.0.0.1:${restPort}`,
    pinningService: `http://127.0.0.1:${psaPort}`,
    async stop() {
      await stopDaemon(child);
      await rm(home, { recursive: true, force: true });
    },
  };
}
