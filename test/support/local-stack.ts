/**
 * The whole local stack for tests: the real catalog handlers behind the local gateway, queue
 * pollers and S3 notifications, on in-memory emulators, a free port and a temp data dir.
 *
 *   const stack = await withLocalStack();
 *   const res = await fetch(`${stack.apiUrl}/version`);
 *   await stack.idle(); // queues drained, nothing in flight
 *   await stack.stop();
 *
 * Defaults for tests: in-memory emulators, no schedules (call runJob or the handler instead),
 * 1s visibility timeouts, no batching windows; any LocalStackOptions can be passed to override
 * them.
 *
 * Handler modules load once per process and read their config at load time, so every stack
 * started here in one process reuses the first one's emulator ports (and the fixed resource
 * names): a warm handler keeps working against the next stack. Stacks in one process must
 * therefore run one after another, not side by side.
 */
import { rmSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Logger } from '../../local/lambda.ts';
import { type LocalStack, type LocalStackOptions, startLocalStack } from '../../local/stack.ts';
import { settingNames } from '../../system/settings.ts';

export type TestStack = LocalStack;

/** Errors go to stderr so failing tests show why; request lines are dropped. */
const testLogger: Logger = {
  info() {},
  error: (line, error) => console.error(`[local stack] ${line}`, error ?? ''),
};

let pinnedPorts: LocalStackOptions['emulatorPorts'];
/** The first stack's gateway port, for the same reason: warm handlers name that address. */
let pinnedGatewayPort: number | undefined;

/**
 * One provider key per test process, outside any stack's data dir: a warm publisher keeps the
 * key it read, so every stack of the process must be the same provider.
 */
let pinnedKeyFile: string | undefined;
async function providerKeyFile(): Promise<string> {
  if (!pinnedKeyFile) {
    const dir = await mkdtemp(join(tmpdir(), 'pinstack-provider-'));
    process.once('exit', () => rmSync(dir, { recursive: true, force: true }));
    pinnedKeyFile = join(dir, 'provider.key');
  }
  return pinnedKeyFile;
}

export async function withLocalStack(options: LocalStackOptions = {}): Promise<TestStack> {
  const dataDir = options.dataDir ?? (await mkdtemp(join(tmpdir(), 'pinstack-stack-')));
  const ownsDataDir = options.dataDir === undefined;
  // The functions' settings come from the test's environment; endpoint and resource name
  // overrides from the developer's shell must not leak into tests.
  const env: NodeJS.ProcessEnv = { AWS_REGION: process.env.AWS_REGION };
  for (const name of settingNames('function')) env[name] = process.env[name];
  const keyFile = {
    PROVIDER_KEY_FILE: options.env?.PROVIDER_KEY_FILE ?? (await providerKeyFile()),
  };
  let stack: LocalStack;
  try {
    stack = await startLocalStack({
      port: 0,
      gatewayPort: pinnedGatewayPort ?? 0,
      persist: false,
      schedules: false,
      // Failed messages come back after a second (and reach the DLQ after three), so idle()
      // settles quickly; the deployed queues wait 6x the consumer's timeout.
      visibilityTimeoutSeconds: 1,
      // Batches are not waited for (a consumer's window would add its seconds to every idle()).
      batchingWindowSeconds: 0,
      log: testLogger,
      emulatorPorts: pinnedPorts,
      ...options,
      env: { ...(options.env ?? env), ...keyFile },
      dataDir,
    });
  } catch (error) {
    if (ownsDataDir) await rm(dataDir, { recursive: true, force: true });
    throw error;
  }
  pinnedPorts ??= {
    dynamodb: portOf(stack.env.PINSTACK_DYNAMODB_ENDPOINT),
    fauxqs: portOf(stack.env.PINSTACK_SQS_ENDPOINT),
    s3: portOf(stack.env.PINSTACK_S3_ENDPOINT),
  };
  if (stack.gatewayUrl && options.gatewayPort === undefined)
    pinnedGatewayPort ??= portOf(stack.gatewayUrl);
  return {
    ...stack,
    async stop() {
      await stack.stop();
      if (ownsDataDir) await rm(dataDir, { recursive: true, force: true });
    },
  };
}

function portOf(url: string): number {
  return Number(new URL(url).port);
}
