/**
 * The API's own routing, as nft.storage routed: case-insensitive static segments, one optional
 * trailing slash, and a legacy `/api` prefix on every route that allows it. The gateway sends
 * whole method families here (`GET /{proxy+}`), so the routes' contracts, not the gateway,
 * decide which route answers.
 */
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import type { RouteContract, RouteInput, RouteResult } from '../../contract/route.ts';

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

/** What a route implementation is given besides its validated input. */
export interface RouteContext<D> {
  deps: D;
  request: ApiRequest;
}

/** A route contract and the code that answers it (typed by `implementer`). */
export interface RouteHandler<D> {
  contract: RouteContract;
  /**
   * Runs before the request is checked against the contract (so a request without a valid key
   * is refused as such whatever else is wrong with it); what it returns is `run`'s last
   * argument.
   */
  authorize?(context: RouteContext<D>): Promise<unknown>;
  run(
    input: RouteInput<RouteContract>,
    context: RouteContext<D>,
    authorized?: unknown,
  ): Promise<{ status: number; body: unknown; headers?: Record<string, string> }>;
}

/**
 * Like `implementer`, for routes that authorize before anything else: `authorize`'s result
 * (the caller) is handed to each implementation.
 */
export const authorizingImplementer =
  <D, P>(authorize: (context: RouteContext<D>) => Promise<P>) =>
  <const C extends RouteContract>(
    contract: C,
    run: (
      input: NoInfer<RouteInput<C>>,
      context: RouteContext<D>,
      authorized: P,
    ) => Promise<NoInfer<RouteResult<C>>>,
  ): RouteHandler<D> =>
    ({ contract, authorize, run }) as unknown as RouteHandler<D>;

/**
 * `implementer<Deps>()` gives the function that binds implementations to their contracts for
 * one kind of deps; input and result types of each implementation come from its contract.
 */
export const implementer =
  <D>() =>
  <const C extends RouteContract>(
    contract: C,
    run: (
      input: NoInfer<RouteInput<C>>,
      context: RouteContext<D>,
    ) => Promise<NoInfer<RouteResult<C>>>,
  ): RouteHandler<D> =>
    ({ contract, run }) as unknown as RouteHandler<D>;

export interface CompiledRoute<D> {
  handler: RouteHandler<D>;
  pattern: RegExp;
  paramNames: string[];
}

export function compileRoutes<D>(handlers: readonly RouteHandler<D>[]): CompiledRoute<D>[] {
  return handlers.map((handler) => {
    const { contract } = handler;
    const paramNames: string[] = [];
    const body = contract.path
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
    const prefix = contract.legacyAlias ? '(?:/api)?' : '';
    return { handler, paramNames, pattern: new RegExp(`^${prefix}${body}/?$`, 'i') };
  });
}

export function matchRoute<D>(
  routes: CompiledRoute<D>[],
  method: string,
  path: string,
): { route: CompiledRoute<D>; params: Record<string, string> } | undefined {
  const normalised = path === '' ? '/' : path;
  for (const route of routes) {
    if (route.handler.contract.method !== method) continue;
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
