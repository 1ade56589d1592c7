import { describe, expect, it } from 'vitest';
import { COUNTER_KEY_PATTERN, OPS_PARTITION } from '../../lib/constructs/pinstack-function.ts';
import {
  type Bindings,
  type BucketAccess,
  type FunctionName,
  type FunctionSpec,
  functions,
  QUEUE_NAMES,
  type QueueName,
  RESOURCE_ENV,
  type Trigger,
} from '../../system/functions.ts';
import {
  actionsOf,
  buildStack,
  functionStatements,
  logicalId,
  referencedIds,
  type Statement,
} from './helpers.ts';

const { stack, template } = buildStack();

/** Functions whose edge writes operational records: every scheduled or queue-triggered one. */
const hasEdgeRecords = (spec: FunctionSpec) =>
  (spec.triggers as readonly Trigger[]).some((t) => t.kind === 'schedule' || t.kind === 'queue');

const OPS_RECORDS = {
  Action: 'dynamodb:UpdateItem',
  Condition: { 'ForAllValues:StringEquals': { 'dynamodb:LeadingKeys': ['OPS'] } },
};
const statementsOf = (name: FunctionName) => functionStatements(stack, template, name);

const WRITE_ACTIONS = [
  /^dynamodb:(PutItem|UpdateItem|DeleteItem|BatchWriteItem|PartiQL(Insert|Update|Delete))$/,
  /^s3:(PutObject|DeleteObject|Abort|RestoreObject|PutBucket)/,
  /^sqs:(SendMessage|DeleteMessage|PurgeQueue|ChangeMessageVisibility)/,
];
const isWrite = (action: string) =>
  action === '*' || action.endsWith(':*') || WRITE_ACTIONS.some((re) => re.test(action));
const writeActions = (statements: Statement[]) =>
  statements.flatMap(actionsOf).filter((action) => isWrite(action));

const TABLE_DATA_WRITES = ['dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:DeleteItem'];

describe('least privilege by access mode', () => {
  it("gives api-public ('read') no DynamoDB, S3 or SQS write actions, and nothing on S3/SQS", () => {
    const statements = statementsOf('api-public');
    expect(writeActions(statements)).toEqual([]);
    const services = new Set(statements.flatMap(actionsOf).map((a) => a.split(':')[0]));
    expect([...services].sort()).toEqual(['dynamodb', 'logs', 'xray']);
  });

  it("lets api-read ('read+counters') update only RATE# items, with no other writes", () => {
    const statements = statementsOf('api-read');
    const writing = statements.filter((s) => actionsOf(s).some(isWrite));
    expect(writing).toHaveLength(1);
    const [counter] = writing as [Statement];
    expect(actionsOf(counter)).toEqual(['dynamodb:UpdateItem']);
    expect(counter.Condition).toEqual({
      'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': [COUNTER_KEY_PATTERN] },
    });
    expect(COUNTER_KEY_PATTERN).toBe('RATE#*');
    // The table itself, not its indexes (which cannot be written anyway) or other tables.
    expect(counter.Resource).toEqual({
      'Fn::GetAtt': [logicalId(stack.storage.table), 'Arn'],
    });
  });

  it('lets only the stats job scan the table: no request path scans it', () => {
    const scanning = functions.filter((spec) =>
      statementsOf(spec.name).some((s) => actionsOf(s).some((a) => /^dynamodb:(Scan|\*)$/.test(a))),
    );
    expect(scanning.map((spec) => spec.name)).toEqual(['stats']);
  });

  it("gives 'readwrite' table bindings put, update and delete", () => {
    for (const spec of functions) {
      const access = (spec.bindings as Bindings).table;
      for (const action of TABLE_DATA_WRITES) {
        const unconditional = statementsOf(spec.name).some(
          (s) => !s.Condition && actionsOf(s).includes(action),
        );
        expect(unconditional, `${spec.name} ${action}`).toBe(
          access === 'readwrite' || access === 'readwrite+scan',
        );
      }
      if (!access) {
        // Only its edge's run records, if it has a schedule or a queue trigger.
        const dynamo = statementsOf(spec.name).filter((s) =>
          actionsOf(s).some((a) => a.startsWith('dynamodb:')),
        );
        expect(dynamo.length, spec.name).toBe(hasEdgeRecords(spec) ? 1 : 0);
        for (const statement of dynamo) expect(statement, spec.name).toMatchObject(OPS_RECORDS);
      }
    }
  });

  it('lets every scheduled or queue-triggered function update its operational records, and no others', () => {
    for (const spec of functions) {
      const ops = statementsOf(spec.name).filter((s) =>
        JSON.stringify(s.Condition ?? {}).includes(`"${OPS_PARTITION}"`),
      );
      expect(ops.length, spec.name).toBe(hasEdgeRecords(spec) ? 1 : 0);
      for (const statement of ops) expect(statement).toMatchObject(OPS_RECORDS);
    }
  });

  it('grants S3 and SQS actions only on the buckets and queues a function is bound to', () => {
    const bucketIds = {
      staging: logicalId(stack.storage.buckets.staging),
      carpark: logicalId(stack.storage.buckets.carpark),
      ipni: logicalId(stack.storage.buckets.ipni),
    };
    const queueIds = Object.fromEntries(
      QUEUE_NAMES.map((q) => [q, logicalId(stack.queues[q].queue)]),
    ) as Record<QueueName, string>;
    for (const spec of functions) {
      const bindings: Bindings = spec.bindings;
      const allowedBuckets = new Set(
        (['staging', 'carpark', 'ipni'] as const)
          .filter((b) => bindings[b])
          .map((b) => bucketIds[b]),
      );
      const allowedQueues = new Set(QUEUE_NAMES.filter((q) => bindings[q]).map((q) => queueIds[q]));
      // The queueStats binding: the depths of every queue and DLQ, and nothing more.
      const inspected = new Set(
        bindings.queueStats
          ? Object.values(stack.queues).flatMap((q) => [
              logicalId(q.queue),
              logicalId(q.deadLetterQueue),
            ])
          : [],
      );
      // A dead-letter consumer consumes its queue's DLQ.
      for (const trigger of spec.triggers as readonly Trigger[]) {
        if (trigger.kind === 'queue' && trigger.deadLetters) {
          allowedQueues.add(logicalId(stack.queues[trigger.queue].deadLetterQueue));
        }
      }
      for (const statement of statementsOf(spec.name)) {
        const actions = actionsOf(statement);
        const refs = referencedIds(statement.Resource);
        if (actions.some((a) => a.startsWith('s3:'))) {
          for (const id of refs) expect(allowedBuckets, `${spec.name} s3 on ${id}`).toContain(id);
        }
        if (actions.length === 1 && actions[0] === 'sqs:GetQueueAttributes') {
          for (const id of refs) expect(inspected, `${spec.name} depths of ${id}`).toContain(id);
        } else if (actions.some((a) => a.startsWith('sqs:'))) {
          for (const id of refs) expect(allowedQueues, `${spec.name} sqs on ${id}`).toContain(id);
        }
      }
    }
  });

  it('grants each bucket exactly what its access mode allows', () => {
    const expected: Record<BucketAccess, { has: string[]; lacks: RegExp[] }> = {
      read: { has: ['s3:GetObject*', 's3:List*'], lacks: [/^s3:(Put|Delete|Abort)/] },
      write: { has: ['s3:PutObject'], lacks: [/^s3:(Get|List|Delete)/] },
      readwrite: { has: ['s3:GetObject*', 's3:PutObject', 's3:DeleteObject*'], lacks: [] },
    };
    let checked = 0;
    for (const spec of functions) {
      const bindings: Bindings = spec.bindings;
      for (const name of ['staging', 'carpark', 'ipni'] as const) {
        const access = bindings[name];
        if (!access) continue;
        const bucketId = logicalId(stack.storage.buckets[name]);
        const actions = statementsOf(spec.name)
          .filter((s) => referencedIds(s.Resource).has(bucketId))
          .flatMap(actionsOf);
        expect(actions, `${spec.name} ${name}`).toEqual(
          expect.arrayContaining(expected[access].has),
        );
        for (const re of expected[access].lacks) {
          expect(
            actions.filter((a) => re.test(a)),
            `${spec.name} ${name}`,
          ).toEqual([]);
        }
        checked++;
      }
    }
    expect(checked).toBeGreaterThan(0);
  });

  it("lets 'send' bindings send but not consume; only consumers may delete messages", () => {
    for (const spec of functions) {
      const bindings: Bindings = spec.bindings;
      const actions = statementsOf(spec.name).flatMap(actionsOf);
      const modes = QUEUE_NAMES.map((q) => String(bindings[q]));
      const sends = modes.some((mode) => mode.includes('send'));
      const consumes = modes.some((mode) => mode.includes('consume'));
      expect(actions.includes('sqs:SendMessage'), spec.name).toBe(sends);
      expect(actions.includes('sqs:DeleteMessage'), spec.name).toBe(consumes);
    }
  });

  it('lets only the functions bound to the provider key read it, and nothing else of Secrets Manager', () => {
    const secretId = logicalId(stack.providerKey);
    for (const spec of functions) {
      const secretActions = statementsOf(spec.name).filter((s) =>
        actionsOf(s).some((a) => a.startsWith('secretsmanager:')),
      );
      const bound = (spec.bindings as Bindings).providerKey === 'read';
      expect(secretActions.length > 0, spec.name).toBe(bound);
      for (const statement of secretActions) {
        expect(statement.Resource, spec.name).toEqual({ Ref: secretId });
        expect(actionsOf(statement).sort(), spec.name).toEqual([
          'secretsmanager:DescribeSecret',
          'secretsmanager:GetSecretValue',
        ]);
      }
    }
  });

  it('never puts the provider key in an environment: functions get its ARN and its peer ID', () => {
    const lambdas = template.findResources('AWS::Lambda::Function');
    for (const spec of functions) {
      const env = lambdas[logicalId(stack.functions[spec.name].fn)]?.Properties.Environment
        .Variables as Record<string, unknown>;
      if ((spec.bindings as Bindings).providerKey) {
        expect(env.PROVIDER_KEY_SECRET_ARN).toEqual({ Ref: logicalId(stack.providerKey) });
      }
      if ((spec.bindings as Bindings).providerId) {
        expect(env.PROVIDER_PEER_ID).toEqual({
          'Fn::GetAtt': [logicalId(stack.providerIdentity), 'PeerId'],
        });
      }
      expect(JSON.stringify(env)).not.toMatch(/resolve:secretsmanager/);
    }
    const secret = template.findResources('AWS::SecretsManager::Secret')[
      logicalId(stack.providerKey)
    ];
    expect(secret?.Properties.GenerateSecretString).toMatchObject({ PasswordLength: 64 });
    expect(secret?.Properties.SecretString).toBeUndefined();
  });

  it('uses no wildcard service actions, and "*" resources only for X-Ray', () => {
    for (const spec of functions) {
      for (const statement of statementsOf(spec.name)) {
        for (const action of actionsOf(statement)) {
          expect(action === '*' || action.endsWith(':*'), `${spec.name} ${action}`).toBe(false);
        }
        if (statement.Resource === '*') {
          expect(actionsOf(statement).every((a) => a.startsWith('xray:'))).toBe(true);
        }
      }
    }
  });

  it('sets the env var of every bound resource and of nothing else', () => {
    const lambdas = template.findResources('AWS::Lambda::Function');
    for (const spec of functions) {
      const env = lambdas[logicalId(stack.functions[spec.name].fn)]?.Properties.Environment
        .Variables as Record<string, unknown>;
      for (const [resource, variable] of Object.entries(RESOURCE_ENV)) {
        const bound = (spec.bindings as Record<string, unknown>)[resource] !== undefined;
        // The table's name also goes to functions whose edge records their runs.
        const records = resource === 'table' && hasEdgeRecords(spec);
        expect(variable in env, `${spec.name} ${variable}`).toBe(bound || records);
      }
    }
  });

  it('writes logs only to the function’s own log group, without a managed policy', () => {
    const roles = template.findResources('AWS::IAM::Role');
    for (const spec of functions) {
      const fn = stack.functions[spec.name];
      expect(roles[logicalId(fn.role)]?.Properties.ManagedPolicyArns).toBeUndefined();
      const logs = statementsOf(spec.name).filter((s) =>
        actionsOf(s).some((a) => a.startsWith('logs:')),
      );
      expect(logs).toEqual([
        {
          Effect: 'Allow',
          Action: ['logs:CreateLogStream', 'logs:PutLogEvents'],
          Resource: { 'Fn::GetAtt': [logicalId(fn.logGroup), 'Arn'] },
        },
      ]);
    }
  });
});
