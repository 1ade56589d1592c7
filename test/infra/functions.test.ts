import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { functions } from '../../system/functions.ts';
import { buildStack, logicalId } from './helpers.ts';

const { stack, template } = buildStack();
const lambdas = template.findResources('AWS::Lambda::Function');
const logGroups = template.findResources('AWS::Logs::LogGroup');
const packageVersion = JSON.parse(
  readFileSync(new URL('../../package.json', import.meta.url), 'utf8'),
).version;

const fnResource = (name: (typeof functions)[number]['name']) => {
  const resource = lambdas[logicalId(stack.functions[name].fn)];
  if (!resource) throw new Error(`no Lambda for ${name}`);
  return resource;
};

describe('functions', () => {
  it('deploys exactly the catalog functions (plus CDK’s bucket notification handler)', () => {
    const ours = functions.map((spec) => logicalId(stack.functions[spec.name].fn));
    const others = Object.keys(lambdas).filter((id) => !ours.includes(id));
    expect(others).toHaveLength(1);
    expect(others[0]).toMatch(/^BucketNotificationsHandler/);
  });

  it('runs every function on nodejs24.x / arm64 with the catalog memory and timeout', () => {
    for (const spec of functions) {
      expect(fnResource(spec.name).Properties).toMatchObject({
        Runtime: 'nodejs24.x',
        Architectures: ['arm64'],
        Handler: 'index.handler',
        MemorySize: spec.memoryMB,
        Timeout: spec.timeoutSeconds,
        TracingConfig: { Mode: 'Active' },
      });
    }
  });

  it('enables source maps and passes the runtime settings with their defaults', () => {
    for (const spec of functions) {
      expect(fnResource(spec.name).Properties.Environment.Variables).toMatchObject({
        NODE_OPTIONS: '--enable-source-maps',
        RATE_LIMIT_REQUESTS: '30',
        RATE_LIMIT_WINDOW_SECONDS: '10',
        MAX_INLINE_UPLOAD_BYTES: String(4 * 1024 * 1024),
        UNPIN_GRACE_DAYS: '7',
        PINSTACK_VERSION: packageVersion,
      });
    }
  });

  it('takes runtime settings from context', () => {
    const { stack: s, template: t } = buildStack({
      RATE_LIMIT_REQUESTS: '5',
      RATE_LIMIT_WINDOW_SECONDS: 60,
      MAX_INLINE_UPLOAD_BYTES: '1000000',
      UNPIN_GRACE_DAYS: '0',
      PINSTACK_COMMIT: 'abc123',
    });
    const fn = t.findResources('AWS::Lambda::Function')[logicalId(s.functions['api-write'].fn)];
    expect(fn?.Properties.Environment.Variables).toMatchObject({
      RATE_LIMIT_REQUESTS: '5',
      RATE_LIMIT_WINDOW_SECONDS: '60',
      MAX_INLINE_UPLOAD_BYTES: '1000000',
      UNPIN_GRACE_DAYS: '0',
      PINSTACK_COMMIT: 'abc123',
    });
  });

  it('logs to an owned log group with 30-day retention, without a retention custom resource', () => {
    for (const spec of functions) {
      const fn = stack.functions[spec.name];
      expect(fnResource(spec.name).Properties.LoggingConfig).toEqual({
        LogGroup: { Ref: logicalId(fn.logGroup) },
      });
      expect(logGroups[logicalId(fn.logGroup)]?.Properties.RetentionInDays).toBe(30);
    }
    template.resourceCountIs('Custom::LogRetention', 0);
  });

  it('applies LOG_RETENTION_DAYS from context', () => {
    const { stack: s, template: t } = buildStack({ LOG_RETENTION_DAYS: '90' });
    const group = t.findResources('AWS::Logs::LogGroup')[logicalId(s.functions.scraper.logGroup)];
    expect(group?.Properties.RetentionInDays).toBe(90);
  });
});
