/** The configured pinning providers (PIN_PROVIDERS), each built on its kind's client. */
import type { CredentialRef, ProviderSpec } from '../../../system/pin-providers.ts';
import { FailureError, failure } from '../../core/failures.ts';
import type { PinProvider } from '../../core/ports.ts';
import { clusterProvider } from './cluster.ts';
import { kuboProvider } from './kubo.ts';
import { pinningServiceProvider } from './pinning-service.ts';

const KINDS = { kubo: kuboProvider, cluster: clusterProvider, psa: pinningServiceProvider };

export function pinProviders(
  specs: readonly ProviderSpec[],
  readCredential: (ref: CredentialRef) => Promise<string>,
): PinProvider[] {
  return specs.map((spec) =>
    KINDS[spec.kind]({
      name: spec.name,
      url: spec.url,
      ...(spec.credential
        ? { credential: credentialOf(spec.name, spec.credential, readCredential) }
        : {}),
    }),
  );
}

/** A credential that could not be read makes its provider unavailable (retried), not broken. */
function credentialOf(
  name: string,
  ref: CredentialRef,
  readCredential: (ref: CredentialRef) => Promise<string>,
) {
  return async () => {
    try {
      return await readCredential(ref);
    } catch (error) {
      const why = error instanceof Error ? error.message : String(error);
      throw new FailureError(failure.providerUnavailable(name, `credential unreadable: ${why}`));
    }
  };
}
