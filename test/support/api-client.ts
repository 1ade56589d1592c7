/**
 * A small HTTP client for end-to-end tests against a running (local) stack: every request and
 * response is also checked against the OpenAPI document, so the document and the handlers
 * cannot drift — a request the API accepts must be one the document accepts, a request the API
 * rejects as invalid must be one the document rejects, and every response must match it.
 */
import { expect } from 'vitest';
import { createToken } from '../../lambdas/core/tokens.ts';
import { createClients } from '../../lambdas/shared/clients.ts';
import { loadConfig } from '../../lambdas/shared/config.ts';
import { identityPorts, systemClock } from '../../lambdas/shared/wiring.ts';
import type { LocalStack } from '../../local/stack.ts';
import { validateRequest, validateResponse } from './openapi-validator.ts';

// biome-ignore lint/suspicious/noExplicitAny: tests assert response fields one by one
type Json = any;

export interface ApiResponse<T = Json> {
  status: number;
  headers: Headers;
  body: T;
  text: string;
  /** What the OpenAPI document says is wrong with the request (`[]`: it accepts it). */
  requestProblems: string[];
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
    const requestProblems = validateRequest({
      method,
      path,
      headers,
      json: jsonBody(headers, options.body),
    });
    if (!options.unchecked) {
      if (response.status < 300) {
        expect(requestProblems, `${method} ${path} was accepted; the OpenAPI document`).toEqual([]);
      }
      if (response.status === 400 && /^invalid params/.test(body?.error?.message ?? '')) {
        expect(
          requestProblems,
          `${method} ${path} was rejected as invalid; the OpenAPI document accepts it`,
        ).not.toEqual([]);
      }
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
    return { status: response.status, headers: response.headers, body, text, requestProblems };
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

function jsonBody(headers: Record<string, string>, body: RequestInit['body']): unknown {
  const type = Object.entries(headers).find(([name]) => name.toLowerCase() === 'content-type')?.[1];
  if (typeof body !== 'string' || (type !== undefined && !type.includes('json'))) return undefined;
  try {
    return JSON.parse(body);
  } catch {
    return undefined;
  }
}

/** Creates a user's token on the stack, the way `pinstack token create` does. */
export async function createTestToken(
  stack: Pick<LocalStack, 'env'>,
  userId: string,
  name?: string,
  /** An admin key: also takes the admin routes (POST /deals). */
  admin = false,
) {
  const config = loadConfig({ ...process.env, ...stack.env });
  const ports = { ...identityPorts(config, createClients(config)), clock: systemClock };
  return createToken({ userId, name, admin }, ports);
}
