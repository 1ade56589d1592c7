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
    expect(config.functionEnvironment.PINSTACK_COMMIT).toBeUndefined();
  });

  it('accepts CLI strings as well as JSON values', () => {
    expect(configFor({ deletionProtection: 'false' }).deletionProtection).toBe(false);
    expect(configFor({ deletionProtection: false }).deletionProtection).toBe(false);
    expect(configFor({ logRetentionDays: '365' }).logRetention).toBe(365);
    expect(configFor({ removalPolicy: 'destroy' }).removalPolicy).toBe(RemovalPolicy.DESTROY);
    expect(configFor({ stackName: 'PinstackDev' }).stackName).toBe('PinstackDev');
  });

  it.each([
    [{ deletionProtection: 'maybe' }, /deletionProtection must be true or false/],
    [{ removalPolicy: 'snapshot' }, /removalPolicy must be 'retain' or 'destroy'/],
    [{ logRetentionDays: '31' }, /logRetentionDays must be one of/],
    [{ logRetentionDays: 'forever' }, /logRetentionDays must be a non-negative integer/],
    [{ rateLimitRequests: '-1' }, /rateLimitRequests must be a non-negative integer/],
    [{ rateLimitRequests: '0' }, /RATE_LIMIT_REQUESTS/],
    [{ maxInlineUploadBytes: '5000000' }, /MAX_INLINE_UPLOAD_BYTES/],
    [{ alarmTopicArn: 42 }, /alarmTopicArn must be a string/],
  ])('rejects %j', (context, message) => {
    expect(() => configFor(context)).toThrow(message);
  });
});
