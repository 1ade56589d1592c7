/**
 * PIN_PROVIDERS credentials deployed: the functions that talk to providers may read exactly the
 * secrets and parameters the setting names, nothing else may, and a credential the setting
 * takes from the environment (the local stack's way) fails the synth.
 */
import { describe, expect, it } from 'vitest';
import { functions } from '../../system/functions.ts';
import { actionsOf, buildStack, functionStatements } from './helpers.ts';

const PROVIDERS = [
  {
    name: 'pinata',
    kind: 'psa',
    url: 'https://api.pinata.cloud/psa',
    credential: { secret: 'pinstack/pinata' },
  },
  {
    name: 'kubo',
    kind: 'kubo',
    url: 'http://kubo.internal:5001',
    credential: { ssm: '/pinstack/kubo' },
  },
  {
    name: 'cluster',
    kind: 'cluster',
    url: 'http://cluster.internal:9094',
    credential: { secret: 'arn:aws:secretsmanager:us-east-1:123456789012:secret:cluster-AbCdEf' },
  },
];

describe('pinning provider credentials in the stack', () => {
  const { stack, template } = buildStack({ PIN_PROVIDERS: JSON.stringify(PROVIDERS) });
  const credentialResources = (name: (typeof functions)[number]['name']) =>
    functionStatements(stack, template, name)
      .filter((s) =>
        actionsOf(s).some((a) => a === 'secretsmanager:GetSecretValue' || a === 'ssm:GetParameter'),
      )
      .map((s) => JSON.stringify(s.Resource))
      .filter((resource) => /pinata|kubo|cluster/.test(resource));

  it('lets the functions that talk to providers read exactly the named credentials', () => {
    const readers = functions.filter((fn) => 'providerSecrets' in fn.bindings);
    expect(readers.map((fn) => fn.name).sort()).toEqual(['pin-status', 'pin-worker']);
    for (const fn of readers) {
      const resources = credentialResources(fn.name).join(' ');
      expect(resources, fn.name).toContain(':secret:pinstack/pinata-??????');
      expect(resources, fn.name).toContain(
        'arn:aws:secretsmanager:us-east-1:123456789012:secret:cluster-AbCdEf',
      );
      expect(resources, fn.name).toContain(':parameter/pinstack/kubo');
      expect(resources, fn.name).not.toContain('*"');
    }
  });

  it('lets no other function read them, nor any function every secret', () => {
    for (const fn of functions.filter((spec) => !('providerSecrets' in spec.bindings))) {
      expect(credentialResources(fn.name), fn.name).toEqual([]);
    }
    for (const fn of functions) {
      const resources = functionStatements(stack, template, fn.name)
        .filter((s) => actionsOf(s).some((a) => /^(secretsmanager|ssm):/.test(a)))
        .map((s) => JSON.stringify(s.Resource));
      for (const resource of resources) expect(resource, fn.name).not.toMatch(/"\*"|:\*"/);
    }
  });

  it('refuses a credential taken from the environment, which only the local stack has', () => {
    const local = [{ ...PROVIDERS[1], credential: { env: 'KUBO_TOKEN' } }];
    expect(() => buildStack({ PIN_PROVIDERS: JSON.stringify(local) })).toThrow(
      /kubo takes its credential from the environment variable KUBO_TOKEN/,
    );
  });
});
