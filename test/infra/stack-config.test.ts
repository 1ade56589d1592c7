import { App, RemovalPolicy } from 'aws-cdk-lib';
import { describe, expect, it } from 'vitest';
import { readStackConfig } from '../../lib/stack-config.ts';

const configFor = (context: Record<string, unknown>) => readStackConfig(new App({ context }).node);

describe('stack config from context', () => {
  it('defaults to a protected, retained stack named Pinstack with 30-day logs', () => {
    const config = configFor({});
    expect(config).toMatchObject({
      stackName: 'Pinstack',
      deletionProtection: true,
      removalPolicy: RemovalPolicy.RETAIN,
      logRetention: 30,
      alarmTopicArn: undefined,
    });
    expect(config.functionEnvironment.PINSTACK_COMMIT).toBe('unknown');
  });

  it('accepts CLI strings as well as JSON values', () => {
    expect(configFor({ DELETION_PROTECTION: 'false' }).deletionProtection).toBe(false);
    expect(configFor({ DELETION_PROTECTION: false }).deletionProtection).toBe(false);
    expect(configFor({ LOG_RETENTION_DAYS: '365' }).logRetention).toBe(365);
    expect(configFor({ LOG_RETENTION_DAYS: 365 }).logRetention).toBe(365);
    expect(configFor({ REMOVAL_POLICY: 'destroy' }).removalPolicy).toBe(RemovalPolicy.DESTROY);
    expect(configFor({ STACK_NAME: 'PinstackDev' }).stackName).toBe('PinstackDev');
  });

  it.each([
    [{ DELETION_PROTECTION: 'maybe' }, /DELETION_PROTECTION/],
    [{ REMOVAL_POLICY: 'snapshot' }, /REMOVAL_POLICY/],
    [{ LOG_RETENTION_DAYS: '31' }, /LOG_RETENTION_DAYS must be one of/],
    [{ LOG_RETENTION_DAYS: 'forever' }, /LOG_RETENTION_DAYS="forever": must be a whole number/],
    [{ RATE_LIMIT_REQUESTS: '-1' }, /RATE_LIMIT_REQUESTS="-1": must be a whole number/],
    [{ RATE_LIMIT_REQUESTS: '0' }, /RATE_LIMIT_REQUESTS="0": must be at least 1/],
    [{ MAX_INLINE_UPLOAD_BYTES: '5000000' }, /MAX_INLINE_UPLOAD_BYTES="5000000": must be at most/],
    [{ ALARM_TOPIC_ARN: 42 }, /ALARM_TOPIC_ARN="42": must be an SNS topic ARN/],
  ])('rejects %j', (context, message) => {
    expect(() => configFor(context)).toThrow(message);
  });

  it('reports every invalid setting at once', () => {
    expect(() => configFor({ RATE_LIMIT_REQUESTS: 'x', UNPIN_GRACE_DAYS: 'y' })).toThrow(
      /RATE_LIMIT_REQUESTS.*UNPIN_GRACE_DAYS/,
    );
  });
});
