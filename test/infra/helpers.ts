/**
 * Builds the real pinstack stack for intent assertions. To keep the tests fast, esbuild
 * bundling is skipped (context `aws:cdk:bundling-stacks: []`; `npx cdk synth` bundles for real)
 * and so is CDK's CloudFormation schema validation (nag.test.ts runs it once).
 */
import { type CfnElement, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import type { IConstruct } from 'constructs';
import { createApp } from '../../lib/app.ts';
import type { PinstackStack } from '../../lib/pinstack-stack.ts';
import type { FunctionName } from '../../system/functions.ts';

export const SKIP_BUNDLING = { 'aws:cdk:bundling-stacks': [] } as const;

export function buildStack(context: Record<string, unknown> = {}) {
  const { app, stack } = createApp({
    context: { ...SKIP_BUNDLING, ...context },
    cloudFormationValidation: false,
  });
  return { app, stack, template: Template.fromStack(stack) };
}

/** The logical id of a construct's CloudFormation resource. */
export function logicalId(construct: IConstruct): string {
  const child = construct.node.defaultChild ?? construct;
  return Stack.of(construct).getLogicalId(child as CfnElement);
}

export interface Statement {
  Effect: 'Allow' | 'Deny';
  Action: string | string[];
  Resource: unknown;
  Condition?: Record<string, Record<string, unknown>>;
}

export const actionsOf = (s: Statement): string[] =>
  Array.isArray(s.Action) ? s.Action : [s.Action];

/** Every statement of every IAM policy attached to the execution role of a catalog function. */
export function functionStatements(
  stack: PinstackStack,
  template: Template,
  name: FunctionName,
): Statement[] {
  const roleId = logicalId(stack.functions[name].role);
  const policies = template.findResources('AWS::IAM::Policy');
  return Object.values(policies)
    .filter((p) =>
      (p.Properties.Roles as unknown[]).some((r) => JSON.stringify(r) === `{"Ref":"${roleId}"}`),
    )
    .flatMap((p) => p.Properties.PolicyDocument.Statement as Statement[]);
}

/** Logical ids a value refers to through Ref / Fn::GetAtt. */
export function referencedIds(value: unknown): Set<string> {
  const ids = new Set<string>();
  const walk = (v: unknown): void => {
    if (Array.isArray(v)) {
      for (const item of v) walk(item);
    } else if (v && typeof v === 'object') {
      for (const [key, inner] of Object.entries(v)) {
        if (key === 'Ref' && typeof inner === 'string') ids.add(inner);
        else if (key === 'Fn::GetAtt' && Array.isArray(inner)) ids.add(String(inner[0]));
        else walk(inner);
      }
    }
  };
  walk(value);
  return ids;
}

/** The logical id behind `{ Ref }` or `{ Fn::GetAtt: [id, attr] }`. */
export function refId(value: unknown): string {
  const ids = [...referencedIds(value)];
  if (ids.length !== 1) throw new Error(`expected one reference in ${JSON.stringify(value)}`);
  return ids[0] as string;
}
