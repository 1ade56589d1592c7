/**
 * `npm start`: runs the local stack in the foreground until SIGINT/SIGTERM, then shuts down
 * cleanly (in-flight work finishes, emulator state is flushed, stack.json is removed).
 */
import { consoleLogger } from './lambda.ts';
import { type LocalStack, startLocalStack } from './stack.ts';

let stack: LocalStack;
try {
  stack = await startLocalStack({ log: consoleLogger });
} catch (error) {
  console.error(`could not start the local stack: ${(error as Error).message}`);
  process.exit(1);
}
console.log(`pinstack local stack ready: ${stack.apiUrl}`);
if (stack.gatewayUrl) console.log(`IPFS gateway: ${stack.gatewayUrl}`);
console.log(`data: ${stack.dataDir}`);

/**
 * Under `npm start` one Ctrl-C arrives twice: from the terminal and forwarded by npm. Only a
 * signal well after the first one means "stop waiting".
 */
const REPEAT_GRACE_MS = 1000;
let stoppingSince: number | undefined;

const shutdown = (signal: NodeJS.Signals) => {
  if (stoppingSince !== undefined) {
    if (Date.now() - stoppingSince < REPEAT_GRACE_MS) return;
    console.error(`${signal} again: exiting without waiting for in-flight work`);
    process.exit(1);
  }
  stoppingSince = Date.now();
  console.log(`${signal}: stopping the local stack (again to force)...`);
  stack.stop().then(
    () => {
      console.log('stopped');
      process.exit(0);
    },
    (error: unknown) => {
      console.error('the local stack did not stop cleanly', error);
      process.exit(1);
    },
  );
};
process.on('SIGINT', shutdown);
process.on('SIGTERM', shutdown);
