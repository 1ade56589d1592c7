/** CDK app entry (cdk.json: `node bin/pinstack.ts`): the stack, checked by cdk-nag. */
import { Validations } from 'aws-cdk-lib';
import cdkNag from 'cdk-nag';
import { createApp } from '../lib/app.ts';

const { app } = createApp();
// cdk-nag 3 is a CDK validation plugin (not an Aspect): any unacknowledged error-level
// finding fails `cdk synth`; acknowledgments live in lib/nag-suppressions.ts.
Validations.of(app).addPlugins(new cdkNag.AwsSolutionsChecks(app, { verbose: true }));
app.synth();
