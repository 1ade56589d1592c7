/**
 * A writer that dies between any two writes — of an upload, or of a delete — leaves a state
 * that one run of the pin-status cron makes consistent, with no retry by the client: no hold
 * without a live upload, no content without a hold unless its unpin is scheduled, no upload
 * without its content, and nothing `pinned` that is not complete.
 */
import { describe, expect, it } from 'vitest';
import { fromCid } from '../../../lambdas/codecs/cid.ts';
import type { Principal } from '../../../lambdas/core/auth.ts';
import { HOLD_SETTLE_MS, maintainPins } from '../../../lambdas/core/pin-maintenance.ts';
import { deleteUpload, storeUpload } from '../../../lambdas/core/uploads.ts';
import { inconsistencies as check } from '../../support/consistency.ts';
import {
  type FakePorts,
  failNext,
  fakePorts,
  InjectedFailure,
  pauseBefore,
} from '../../support/fakes.ts';
import { partialCar, rawCar } from './incoming-car.ts';

const T0 = '2024-01-01T00:00:00.000Z';
const SETTINGS = { PIN_RECHECK_MINUTES: 10, UNPIN_GRACE_DAYS: 7 };
const alice: Principal = { userId: 'alice', tokenId: 'aliceaaaaaaaaaaa', tokenName: 'laptop' };
const bob: Principal = { userId: 'bob', tokenId: 'bobbbbbbbbbbbbbb', tokenName: 'phone' };

/** What is inconsistent in the fakes' state (see test/support/consistency.ts). */
const inconsistencies = (ports: FakePorts) =>
  check({
    uploads: [...ports.uploads.uploads.values()],
    contents: [...ports.contents.contents.values()].map((stored) => stored.record),
    holds: [...ports.contents.holders].flatMap(([cid, holders]) =>
      [...holders].map((holder) => ({ cid, holder })),
    ),
  });

async function afterOneCronRun(ports: FakePorts) {
  ports.clock.advance(HOLD_SETTLE_MS + 1);
  return maintainPins(ports, SETTINGS);
}

describe('a crash during an upload, and no retry', () => {
  const complete = () => rawCar('complete one');
  const partial = async () => (await partialCar('chunk')).car;
  const both = [complete, partial];
  it.each([
    ['carpark.put', (p: FakePorts) => failNext(p.carpark, 'put'), both],
    ['contents.recordCar', (p: FakePorts) => failNext(p.contents, 'recordCar'), both],
    ['pinQueue.send', (p: FakePorts) => failNext(p.pinQueue, 'send'), both],
    ['contents.recordStored', (p: FakePorts) => failNext(p.contents, 'recordStored'), both],
    ['uploads.create', (p: FakePorts) => failNext(p.uploads, 'create'), both],
    // Only a partial DAG's upload queues a completeness check.
    ['ingestQueue.send', (p: FakePorts) => failNext(p.ingestQueue, 'send'), [partial]],
  ])('at %s is made consistent by one cron run', async (_step, crash, cars) => {
    for (const make of cars) {
      const ports = fakePorts();
      ports.clock.set(T0);
      crash(ports);
      await expect(
        storeUpload({ principal: alice, car: await make(), type: '', files: [] }, ports),
      ).rejects.toThrow(InjectedFailure);
      await afterOneCronRun(ports);
      expect(inconsistencies(ports)).toEqual([]);
    }
  });

  it('releases the hold a crashed writer left and schedules the unpin of its content', async () => {
    const ports = fakePorts();
    ports.clock.set(T0);
    const car = await rawCar('orphaned');
    const { v1 } = fromCid(car.root);
    failNext(ports.uploads, 'create');
    await expect(
      storeUpload({ principal: alice, car, type: '', files: [] }, ports),
    ).rejects.toThrow(InjectedFailure);
    expect(await ports.contents.hasHolders(v1)).toBe(true);
    const report = await afterOneCronRun(ports);
    expect(report).toMatchObject({ holdsConfirmed: 0, holdsReleased: 1 });
    expect(await ports.contents.hasHolders(v1)).toBe(false);
    expect((await ports.contents.get(v1))?.unpinAfter).toBeDefined();
  });

  it('confirms the holds of finished uploads, once', async () => {
    const ports = fakePorts();
    ports.clock.set(T0);
    await storeUpload({ principal: alice, car: await rawCar('fine'), type: '', files: [] }, ports);
    expect(await afterOneCronRun(ports)).toMatchObject({ holdsConfirmed: 1, holdsReleased: 0 });
    expect(await afterOneCronRun(ports)).toMatchObject({ holdsConfirmed: 0, holdsReleased: 0 });
    expect(inconsistencies(ports)).toEqual([]);
  });

  it('leaves a hold younger than any writer can live alone', async () => {
    const ports = fakePorts();
    ports.clock.set(T0);
    failNext(ports.uploads, 'create');
    await expect(
      storeUpload({ principal: alice, car: await rawCar('young'), type: '', files: [] }, ports),
    ).rejects.toThrow(InjectedFailure);
    ports.clock.advance(HOLD_SETTLE_MS - 1000);
    expect(await maintainPins(ports, SETTINGS)).toMatchObject({ holdsReleased: 0 });
  });
});

describe('a crash during a delete, and no retry', () => {
  it.each([
    ['uploads.markDeleted', (p: FakePorts) => failNext(p.uploads, 'markDeleted')],
    ['contents.removeHolder', (p: FakePorts) => failNext(p.contents, 'removeHolder')],
  ])('at %s is made consistent by one cron run', async (_step, crash) => {
    const ports = fakePorts();
    ports.clock.set(T0);
    const car = await rawCar('to delete');
    await storeUpload({ principal: alice, car, type: '', files: [] }, ports);
    await afterOneCronRun(ports);
    crash(ports);
    await expect(
      deleteUpload(alice, fromCid(car.root), ports, { UNPIN_GRACE_DAYS: 7 }),
    ).rejects.toThrow(InjectedFailure);
    await afterOneCronRun(ports);
    expect(inconsistencies(ports)).toEqual([]);
  });
});

describe('the cron running while a writer dies', () => {
  it('does not confirm a hold a delete took again after the cron saw the upload live', async () => {
    const ports = fakePorts();
    ports.clock.set(T0);
    const car = await rawCar('confirmed too late');
    await storeUpload({ principal: alice, car, type: '', files: [] }, ports);
    ports.clock.advance(HOLD_SETTLE_MS + 1);
    // The cron has seen the upload live and is about to confirm its hold...
    const gate = pauseBefore(ports.contents, 'confirmHolder');
    const cron = maintainPins(ports, SETTINGS);
    await gate.reached;
    // ...when a delete takes the hold again, hides the upload and dies before releasing it.
    failNext(ports.contents, 'removeHolder');
    await expect(
      deleteUpload(alice, fromCid(car.root), ports, { UNPIN_GRACE_DAYS: 7 }),
    ).rejects.toThrow(InjectedFailure);
    gate.release();
    await cron;
    await afterOneCronRun(ports);
    expect(inconsistencies(ports)).toEqual([]);
  });

  it('keeps the unpin a last release moved later while the cron found the content held', async () => {
    const ports = fakePorts();
    ports.clock.set(T0);
    const car = await rawCar('released twice');
    const id = fromCid(car.root);
    await storeUpload({ principal: alice, car, type: '', files: [] }, ports);
    await storeUpload({ principal: bob, car, type: '', files: [] }, ports);
    await deleteUpload(alice, id, ports, { UNPIN_GRACE_DAYS: 7 });
    ports.clock.advance(8 * 86_400_000);
    // The cron found alice's unpin due and bob holding the content, and is about to cancel...
    const gate = pauseBefore(ports.contents, 'cancelUnpin');
    const cron = maintainPins(ports, SETTINGS);
    await gate.reached;
    // ...when bob's delete releases the last hold, scheduling the unpin a grace period out.
    await deleteUpload(bob, id, ports, { UNPIN_GRACE_DAYS: 7 });
    gate.release();
    await cron;
    expect(inconsistencies(ports)).toEqual([]);
    const due = new Date(ports.clock.now().getTime() + 7 * 86_400_000).toISOString();
    expect((await ports.contents.get(id.v1))?.unpinAfter).toBe(due);
  });
});
