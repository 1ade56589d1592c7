/**
 * How a setting names a secret it must not hold: `secretsmanager:<name or ARN>` or
 * `ssm:<parameter name>`. The stack grants the functions that read the setting exactly those
 * secrets, and the functions fetch them at cold start; the value never enters the template.
 */

export type SecretStore = 'secretsmanager' | 'ssm';

export interface SecretReference {
  store: SecretStore;
  /** A Secrets Manager secret name or ARN, or an SSM parameter name (`/a/b` or `a`). */
  id: string;
}

const SECRETS_MANAGER_ID =
  /^(arn:aws[a-z-]*:secretsmanager:[a-z0-9-]+:\d{12}:secret:)?[\w/+=.@-]{1,512}$/;
const SSM_NAME = /^(\/?[\w.-]+)+$/;

/** The reference a text names, or undefined when the text is not a secret reference. */
export function parseSecretReference(text: string): SecretReference | undefined {
  const colon = text.indexOf(':');
  if (colon < 0) return undefined;
  const prefix = text.slice(0, colon);
  const id = text.slice(colon + 1);
  if (prefix === 'secretsmanager' && SECRETS_MANAGER_ID.test(id)) return { store: prefix, id };
  if (prefix === 'ssm' && id.length <= 2048 && SSM_NAME.test(id)) return { store: prefix, id };
  return undefined;
}

export const secretReferenceText = (ref: SecretReference) => `${ref.store}:${ref.id}`;

/** True for text that starts like a secret reference, well formed or not. */
export const looksLikeSecretReference = (text: string) => /^(secretsmanager|ssm):/.test(text);
