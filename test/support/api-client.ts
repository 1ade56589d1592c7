/**
 * A small HTTP client for end-to-end tests against a running (local) stack: every response is
 * also checked against the OpenAPI document, so the document and the handlers cannot drift.
 */
import { expect } from 'vitest';
import { createToken } from '../../lambdas/core/tokens.ts';
import { createClients } from '../../lambdas/shared/clients.ts';
import { loadConfig } from '../../lambdas/shared/config.ts';
import { identityPorts, systemClock } from '../../lambdas/shared/wiring.ts';
import type { LocalStack } from '../../local/stack.ts';
import { validateResponse } from './openapi-validator.ts';

// biome-ignore lint/suspicious/noExplicitAny: tests assert response fields one by one
type Json = any;

export interface ApiResponse<T = Json> {
  status: number;
  headers: Headers;
  body: T;
  text: string;
}

export interface RequestOptions {
  token?: string;
  body?: RequestInit['body'];
  headers?: Record<string, string>;
  /** Skip the OpenAPI check (for responses the gateway, not the API, produces). */
  unchecked?: boolean;
}

export function apiClient(stack: Pick<LocalStack, 'apiUrl'>) {
  async function request<T = Json>(
    method: string,
    path: string,
    options: RequestOptions = {},
  ): Promise<ApiResponse<T>> {
    const headers: Record<string, string> = { ...options.headers };
    if (options.token) headers.authorization = `Bearer ${options.token}`;
    const response = await fetch(`${stack.apiUrl}${path}`, {
      method,
      headers,
      body: options.body,
    });
    const text = await response.text();
    const isJson = response.headers.get('content-type')?.includes('json');
    const body = isJson && text ? JSON.parse(text) : text;
    if (!options.unchecked) {
      const headerRecord = Object.fromEntries(response.headers.entries());
      const problems = validateResponse({
        method,
        path: path.split('?')[0] ?? path,
        status: response.status,
        headers: headerRecord,
        body,
      });
      expect(problems, `${method} ${path} -> ${response.status} vs OpenAPI`).toEqual([]);
    }
    return { status: response.status, headers: response.headers, body, text };
  }
  return {
    request,
    get: <T = Json>(path: string, options?: RequestOptions) => request<T>('GET', path, options),
    post: <T = Json>(path: string, options?: RequestOptions) => request<T>('POST', path, options),
    patch: <T = Json>(path: string, options?: RequestOptions) => request<T>('PATCH', path, options),
    delete: <T = Json>(path: string, options?: RequestOptions) =>
      request<T>('DELETE', path, options),
  };
}

/** Creates a user's token on the stack, the way `pinstack token create` does. */
export async function createTestToken(
  stack: Pick<LocalStack, 'env'>,
  userId: string,
  name?: string,
) {
  const config = loadConfig({ ...process.env, ...stack.env });
  const ports = { ...identityPorts(config, createClients(config)), clock: systemClock };
  return createToken({ userId, name }, ports);
}
