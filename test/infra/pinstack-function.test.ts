/** The house function's bind helpers, one access mode at a time, on a fixture stack. */
import { App, RemovalPolicy, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { AttributeType, Table } from 'aws-cdk-lib/aws-dynamodb';
import { RetentionDays } from 'aws-cdk-lib/aws-logs';
import { Bucket } from 'aws-cdk-lib/aws-s3';
import { Queue } from 'aws-cdk-lib/aws-sqs';
import { describe, expect, it } from 'vitest';
import { PinstackFunction } from '../../lib/constructs/pinstack-function.ts';
import {
  type BucketAccess,
  type FunctionSpec,
  functions,
  type QueueAccess,
  type TableAccess,
} from '../../system/functions.ts';
import { actionsOf, logicalId, SKIP_BUNDLING, type Statement } from './helpers.ts';

// Any catalog function will do: only its (existing) handler entry and settings are used.
const baseSpec: FunctionSpec = { ...functions[0], bindings: {}, triggers: [] };

function fixture(bind: (fn: PinstackFunction, resources: Resources) => void) {
  const app = new App({ context: SKIP_BUNDLING, builtinCloudFormationValidation: false });
  const stack = new Stack(app, 'Fixture');
  const resources = {
    table: new Table(stack, 'Table', { partitionKey: { name: 'pk', type: AttributeType.STRING } }),
    bucket: new Bucket(stack, 'Bucket'),
    queue: new Queue(stack, 'Queue'),
  };
  const fn = new PinstackFunction(stack, 'Fn', {
    spec: baseSpec,
    environment: { RATE_LIMIT_REQUESTS: '1' },
    logRetention: RetentionDays.ONE_WEEK,
    logRemovalPolicy: RemovalPolicy.DESTROY,
  });
  bind(fn, resources);
  const template = Template.fromStack(stack);
  const statements = Object.values(template.findResources('AWS::IAM::Policy')).flatMap(
    (p) => p.Properties.PolicyDocument.Statement as Statement[],
  );
  const lambda = template.findResources('AWS::Lambda::Function')[logicalId(fn.fn)];
  return { statements, env: lambda?.Properties.Environment.Variables, resources };
}
type Resources = { table: Table; bucket: Bucket; queue: Queue };

const actionsIn = (statements: Statement[], prefix: string) =>
  statements.flatMap(actionsOf).filter((a) => a.startsWith(prefix));

describe('PinstackFunction', () => {
  it('keeps the function settings and appends bindings to the shared environment', () => {
    const { env, resources } = fixture((fn, r) => fn.bindTable(r.table, 'read'));
    expect(env).toEqual({
      NODE_OPTIONS: '--enable-source-maps',
      RATE_LIMIT_REQUESTS: '1',
      TABLE_NAME: { Ref: logicalId(resources.table) },
    });
  });

  it.each<[TableAccess, string[], string[]]>([
    [
      'read',
      ['dynamodb:GetItem', 'dynamodb:Query'],
      ['dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:Scan'],
    ],
    [
      'read+counters',
      ['dynamodb:GetItem', 'dynamodb:UpdateItem'],
      ['dynamodb:PutItem', 'dynamodb:Scan'],
    ],
    [
      'readwrite',
      ['dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:DeleteItem'],
      ['dynamodb:Scan'],
    ],
    ['readwrite+scan', ['dynamodb:PutItem', 'dynamodb:Query', 'dynamodb:Scan'], []],
  ])('table %s grants %j and not %j', (access, has, lacks) => {
    const { statements } = fixture((fn, r) => fn.bindTable(r.table, access));
    const actions = actionsIn(statements, 'dynamodb:');
    expect(actions).toEqual(expect.arrayContaining(has));
    for (const action of lacks) expect(actions).not.toContain(action);
  });

  it('conditions the read+counters update on RATE# partition keys only', () => {
    const { statements } = fixture((fn, r) => fn.bindTable(r.table, 'read+counters'));
    const updates = statements.filter((s) => actionsOf(s).includes('dynamodb:UpdateItem'));
    expect(updates).toHaveLength(1);
    expect(updates[0]?.Condition).toEqual({
      'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': ['RATE#*'] },
    });
  });

  it.each<[BucketAccess, string[], RegExp]>([
    ['read', ['s3:GetObject*', 's3:List*'], /^s3:(Put|Delete|Abort)/],
    ['write', ['s3:PutObject', 's3:Abort*'], /^s3:(Get|List|Delete)/],
    ['readwrite', ['s3:GetObject*', 's3:PutObject', 's3:DeleteObject*'], /^s3:PutBucket/],
  ])('bucket %s grants %j and nothing matching %s', (access, has, forbidden) => {
    const { statements, env } = fixture((fn, r) => fn.bindBucket('carpark', r.bucket, access));
    const actions = actionsIn(statements, 's3:');
    expect(actions).toEqual(expect.arrayContaining(has));
    expect(actions.filter((a) => forbidden.test(a))).toEqual([]);
    expect(env).toHaveProperty('CARPARK_BUCKET');
  });

  it.each<[QueueAccess, boolean]>([
    ['send', true],
    ['consume', false],
  ])(
    "queue %s sets the URL; only 'send' grants here (consumers get theirs from the mapping)",
    (access, grantsSend) => {
      const { statements, env } = fixture((fn, r) => fn.bindQueue('pinQueue', r.queue, access));
      expect(env).toHaveProperty('PIN_QUEUE_URL');
      const actions = actionsIn(statements, 'sqs:');
      expect(actions.includes('sqs:SendMessage')).toBe(grantsSend);
      expect(actions).not.toContain('sqs:DeleteMessage');
    },
  );
});
