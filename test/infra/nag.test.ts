/**
 * cdk-nag 3 runs as a CDK validation plugin: findings land in the synthesis validation report
 * (and make synth throw), not in construct annotations. So the real stack is checked both
 * directly (validateScope, errors and warnings) and through synth, and a deliberately bad stack
 * proves the check bites.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { App, type PolicyValidationPluginReport, Stack, Validations } from 'aws-cdk-lib';
import { Annotations, Match } from 'aws-cdk-lib/assertions';
import { Queue, QueueEncryption } from 'aws-cdk-lib/aws-sqs';
import { type SynthesisMessage, VALIDATION_REPORT_FILE } from 'aws-cdk-lib/cx-api';
import cdkNag from 'cdk-nag';
import { describe, expect, it } from 'vitest';
import { createApp } from '../../lib/app.ts';
import { SKIP_BUNDLING } from './helpers.ts';

/** One readable line per finding, so a failure prints what to fix. */
const findings = (report: PolicyValidationPluginReport, severity: string) =>
  report.violations
    .filter((v) => v.severity === severity)
    .flatMap((v) =>
      v.violatingResources.map((r) => `${v.ruleName} at ${r.constructPath}: ${v.description}`),
    );

describe('cdk-nag AwsSolutions', () => {
  it('finds no errors and no warnings in the pinstack stack', () => {
    const { stack } = createApp({ context: SKIP_BUNDLING, cloudFormationValidation: false });
    const report = new cdkNag.AwsSolutionsChecks(undefined, { verbose: true }).validateScope(stack);
    expect(findings(report, 'error')).toEqual([]);
    expect(findings(report, 'warning')).toEqual([]);
    expect(report.success).toBe(true);
  });

  it('synthesizes with the checks registered, as bin/pinstack.ts does, with a clean report', () => {
    const { app, stack } = createApp({ context: SKIP_BUNDLING });
    Validations.of(app).addPlugins(new cdkNag.AwsSolutionsChecks(app, { verbose: true }));
    const assembly = app.synth();
    // The report also holds CDK's CloudFormation schema validation, which only warns.
    const report = JSON.parse(
      readFileSync(join(assembly.directory, VALIDATION_REPORT_FILE), 'utf8'),
    ) as { pluginReports: unknown[] };
    expect(report.pluginReports).toEqual([]);
    const annotations = Annotations.fromStack(stack);
    const print = (messages: SynthesisMessage[]) =>
      messages.map((m) => `${m.id}: ${String(m.entry.data)}`);
    expect(print(annotations.findError('*', Match.stringLikeRegexp('AwsSolutions-.*')))).toEqual(
      [],
    );
    expect(print(annotations.findWarning('*', Match.stringLikeRegexp('AwsSolutions-.*')))).toEqual(
      [],
    );
    // Nor any other CDK warning (deprecated APIs, dropped settings, ...).
    expect(print(annotations.findWarning('*', Match.anyValue()))).toEqual([]);
  });

  it('bites: a queue without DLQ or TLS enforcement fails the checks and the synth', () => {
    const app = new App({ builtinCloudFormationValidation: false });
    const stack = new Stack(app, 'NonCompliant');
    new Queue(stack, 'Naked', { encryption: QueueEncryption.UNENCRYPTED });
    const report = new cdkNag.AwsSolutionsChecks(undefined, {}).validateScope(stack);
    const rules = report.violations.map((v) => v.ruleName);
    expect(rules).toEqual(
      expect.arrayContaining(['AwsSolutions-SQS2', 'AwsSolutions-SQS3', 'AwsSolutions-SQS4']),
    );
    expect(report.success).toBe(false);

    Validations.of(app).addPlugins(new cdkNag.AwsSolutionsChecks(app));
    expect(() => app.synth()).toThrow(/AwsSolutions-SQS3/);
  });

  it('bites on an acknowledgment for a different finding than the one raised', () => {
    const app = new App();
    const stack = new Stack(app, 'WrongAck');
    const queue = new Queue(stack, 'Queue', { enforceSSL: true });
    Validations.of(queue).acknowledge({ id: 'AwsSolutions-SQS4', reason: 'not the finding' });
    const report = new cdkNag.AwsSolutionsChecks(undefined, {}).validateScope(stack);
    expect(report.violations.map((v) => v.ruleName)).toContain('AwsSolutions-SQS3');
  });
});
