/**
 * Preloaded (`node --import`) into a local stack or CLI process a test starts: its clock runs
 * TEST_CLOCK_OFFSET_MS ahead, as if the process were started that much later. A crash test
 * restarts the stack "after every writer it killed would have timed out" this way, without
 * waiting and without a clock setting in the product. `new Date()` and `Date.now()` move; dates
 * built from a value, and timers, do not.
 */
const offset = Number(process.env.TEST_CLOCK_OFFSET_MS ?? 0);
const RealDate = Date;
const now = () => RealDate.now() + offset;

globalThis.Date = new Proxy(RealDate, {
  construct: (target, args, newTarget) =>
    Reflect.construct(target, args.length > 0 ? args : [now()], newTarget),
  // `Date()` called as a function answers the current time as text.
  apply: () => new RealDate(now()).toString(),
  get: (target, property, receiver) =>
    property === 'now' ? now : Reflect.get(target, property, receiver),
});
