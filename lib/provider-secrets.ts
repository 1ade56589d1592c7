/**
 * Read access to the credentials of the configured providers (PIN_PROVIDERS): exactly the
 * Secrets Manager secrets and SSM parameters the setting names, for the functions that talk to
 * providers. A credential never goes into the template; an `env` reference is for the local
 * stack only, so a deployment that names one fails at synth.
 */
import { Arn, ArnFormat, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type { ProviderSpec } from '../system/pin-providers.ts';
import { SettingsError } from '../system/settings.ts';
import type { PinstackFunction } from './constructs/pinstack-function.ts';

/** The ARNs a function needs to read each kind of referenced credential. */
export function credentialArns(stack: Stack, providers: readonly ProviderSpec[]) {
  const secrets: string[] = [];
  const parameters: string[] = [];
  for (const provider of providers) {
    const ref = provider.credential;
    if (!ref) continue;
    if ('env' in ref) {
      throw new SettingsError(
        `PIN_PROVIDERS: ${provider.name} takes its credential from the environment variable ${ref.env}, which only the local stack can; deployed, name a Secrets Manager secret ({"secret": ...}) or an SSM parameter ({"ssm": ...})`,
      );
    }
    if ('secret' in ref) {
      secrets.push(
        ref.secret.startsWith('arn:')
          ? ref.secret
          : // Secrets Manager appends six random characters to a secret's name in its ARN.
            Arn.format(
              {
                service: 'secretsmanager',
                resource: 'secret',
                resourceName: `${ref.secret}-??????`,
                arnFormat: ArnFormat.COLON_RESOURCE_NAME,
              },
              stack,
            ),
      );
    } else {
      parameters.push(
        ref.ssm.startsWith('arn:')
          ? ref.ssm
          : Arn.format(
              {
                service: 'ssm',
                resource: 'parameter',
                resourceName: ref.ssm.replace(/^\//, ''),
                arnFormat: ArnFormat.SLASH_RESOURCE_NAME,
              },
              stack,
            ),
      );
    }
  }
  return { secrets, parameters };
}

export function grantProviderSecrets(fn: PinstackFunction, providers: readonly ProviderSpec[]) {
  const { secrets, parameters } = credentialArns(Stack.of(fn), providers);
  if (secrets.length > 0) {
    fn.fn.addToRolePolicy(
      new iam.PolicyStatement({ actions: ['secretsmanager:GetSecretValue'], resources: secrets }),
    );
  }
  if (parameters.length > 0) {
    fn.fn.addToRolePolicy(
      new iam.PolicyStatement({ actions: ['ssm:GetParameter'], resources: parameters }),
    );
  }
}
