/**
 * `npm start`: runs the local stack in the foreground until SIGINT/SIGTERM, then shuts down
 * cleanly (in-flight work finishes, emulator state is flushed, stack.json is removed).
 */
import { consoleLogger } from './lambda.ts';
import { startLocalStack } from './stack.ts';

const stack = await startLocalStack({ log: consoleLogger });
console.log(`pinstack local stack ready: ${stack.apiUrl}`);
console.log(`data: ${stack.dataDir}`);

let stopping = false;
const shutdown = (signal: NodeJS.Signals) => {
  if (stopping) {
    console.error(`${signal} again: exiting without a clean shutdown`);
    process.exit(1);
  }
  stopping = true;
  console.log(`${signal}: stopping the local stack...`);
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
