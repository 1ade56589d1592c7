/**
 * The API's own routing, as nft.storage routed: case-insensitive static segments, one optional
 * trailing slash, and a legacy `/api` prefix on every route that allows it. The gateway sends
 * whole method families here (`GET /{proxy+}`), so this table, not the gateway, decides routes.
 */
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import type { ApiResponse } from './response.ts';

export interface ApiRequest {
  event: APIGatewayProxyEventV2;
  method: string;
  /** Path parameters, URI-decoded. */
  params: Record<string, string>;
  query: Record<string, string | undefined>;
  /** Lower-cased header names. */
  headers: Record<string, string | undefined>;
  requestId: string;
}

export interface Route<D> {
  method: 'GET' | 'POST' | 'DELETE' | 'PATCH';
  /** e.g. `/check/{cid}`; `{name}` matches one segment. */
  path: string;
  /** Also answer under `/api` (nft.storage's legacy prefix). */
  legacyAlias: boolean;
  run(request: ApiRequest, deps: D): Promise<ApiResponse>;
}

interface CompiledRoute<D> extends Route<D> {
  pattern: RegExp;
  paramNames: string[];
}

export function compileRoutes<D>(routes: Route<D>[]): CompiledRoute<D>[] {
  return routes.map((route) => {
    const paramNames: string[] = [];
    const body = route.path
      .split('/')
      .filter(Boolean)
      .map((segment) => {
        const param = /^\{(\w+)\}$/.exec(segment);
        if (param?.[1]) {
          paramNames.push(param[1]);
          return '/([^/]+)';
        }
        return `/${segment.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`;
      })
      .join('');
    const prefix = route.legacyAlias ? '(?:/api)?' : '';
    return { ...route, paramNames, pattern: new RegExp(`^${prefix}${body}/?$`, 'i') };
  });
}

export function matchRoute<D>(
  routes: CompiledRoute<D>[],
  method: string,
  path: string,
): { route: CompiledRoute<D>; params: Record<string, string> } | undefined {
  const normalised = path === '' ? '/' : path;
  for (const route of routes) {
    if (route.method !== method) continue;
    const match = route.pattern.exec(normalised);
    if (!match) continue;
    const params: Record<string, string> = {};
    route.paramNames.forEach((name, i) => {
      params[name] = safeDecode(match[i + 1] ?? '');
    });
    return { route, params };
  }
  return undefined;
}

function safeDecode(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}
