/**
 * What deployed bundles use instead of the SDK's default credential chain (lib/bundling.ts
 * swaps it in). Lambda always hands a function its role's credentials in the environment
 * (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN), so the rest of the chain — SSO,
 * profiles, IMDS, web identity, and the STS and SSO clients they bring — is dead weight in a
 * bundle: about 140 KB of every function's code and cold start.
 */
import { type FromEnvInit, fromEnv } from '@aws-sdk/credential-provider-env';

export const defaultProvider = (init?: FromEnvInit) => fromEnv(init);
