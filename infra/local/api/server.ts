/**
 * The clients API on a local HTTP server: each request checked for Basic
 * credentials, routed, turned into an API Gateway event and handed to the
 * same handler function that runs in Lambda. A request whose Host names
 * another server is answered 421 (`host-check.ts`).
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { performance } from 'node:perf_hooks';
import { emqx5Error } from '../../../functions/dialects/emqx5/errors.js';
import { ApiError } from '../../../functions/http/errors.js';
import { errorResponse, type HttpResponse } from '../../../functions/http/response.js';
import { socketAddress } from '../broker/connection-info.js';
import type { LocalLog } from '../log.js';
import { urlHost } from '../listen-address.js';
import { BASIC_CHALLENGE, isAuthorized, type AppCredentials } from '../../../functions/apps/basic-auth.js';
import { gatewayEvent } from './gateway-event.js';
import { isAllowedHost } from './host-check.js';
import { isIngest, matchRoute, type Operation, type RouteMatch } from './routes.js';
import { isSigV4, verifySigV4, type SignedRequest, type SigV4Key } from './sigv4-auth.js';
import { serveConsole } from './console.js';
import { isConsolePath } from '../../../functions/console/routes.js';
import { routeOf } from '../../../functions/api/routes.js';
import type { AuthorizerResult } from '../../../functions/authorize-app.js';

export type LambdaHttpHandler = (event: unknown) => Promise<HttpResponse>;
/** The API's functions, and the authorizer API Gateway runs before the EMQX-compatible routes. */
export type ApiHandlers = Record<Operation, LambdaHttpHandler> & { authorizeApp: (event: unknown) => Promise<AuthorizerResult> };

export type ApiServerOptions = {
  handlers: ApiHandlers;
  credentials: AppCredentials;
  /** The key pair SigV4-signed requests are checked with. */
  sigv4Key?: SigV4Key;
  host?: string;
  /** 0 picks a free port. */
  port?: number;
  log: LocalLog;
};

export type ApiServer = { url: string; port: number; stop(): Promise<void> };

/** A request body larger than this is refused: the clients API takes none, an ingest batch fits well within it. */
const MAX_BODY_BYTES = 1024 * 1024;

const failure = (status: number, code: number, message: string, headers: Record<string, string> = {}) =>
  errorResponse(new ApiError(status, code, message, headers));

function readBody(request: IncomingMessage): Promise<string | undefined> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    request.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size <= MAX_BODY_BYTES) chunks.push(chunk);
    });
    request.on('end', () => resolve(size > MAX_BODY_BYTES ? undefined : Buffer.concat(chunks).toString('utf8')));
    request.on('error', reject);
  });
}

async function respond(request: IncomingMessage, options: ApiServerOptions, port: number): Promise<HttpResponse> {
  if (!isAllowedHost(request.headers.host, listenHost(options), port)) {
    return failure(421, 421, `this server answers to localhost, 127.0.0.1 or [::1] on port ${port}, not to the host ${JSON.stringify(request.headers.host ?? '')}`);
  }
  const target = request.url ?? '/';
  const queryAt = target.indexOf('?');
  const rawPath = queryAt < 0 ? target : target.slice(0, queryAt);
  const rawQueryString = queryAt < 0 ? '' : target.slice(queryAt + 1);
  const method = request.method ?? 'GET';
  const body = await readBody(request);
  // The console page holds no data and takes no credentials; its calls carry the app's.
  if (isConsolePath(rawPath)) return serveConsole(method, rawPath, request.headers);

  const route = matchRoute(method, rawPath);
  // Ingest routes check the brokers' bearer token in their handler, as in AWS.
  const ingest = route.kind === 'route' && isIngest(route.operation);
  if (body === undefined) return failure(413, 413, `request body over ${MAX_BODY_BYTES} bytes`);
  const caller = ingest ? {} : await authenticated(request, { method, rawPath, rawQueryString, body }, route, options);
  if (!caller) {
    return failure(401, 401, 'missing or wrong credentials: use HTTP Basic with the app id and secret, an app of `npm run apps`, or SigV4 with the local key pair', {
      'www-authenticate': BASIC_CHALLENGE,
    });
  }
  switch (route.kind) {
    case 'not-found':
      // /api/v5 speaks EMQX 5's string codes, unknown paths included.
      return rawPath.startsWith('/api/v5/')
        ? emqx5Error(404, 'NOT_FOUND', `no route for ${method} ${rawPath}`)
        : failure(404, 404, `no route for ${method} ${rawPath}`);
    case 'method-not-allowed':
      return failure(405, 405, `${method} is not allowed on ${rawPath}`, { allow: route.allow.join(', ') });
    case 'undecodable':
      return failure(400, 108, `invalid parameter ${route.parameter}: a URL-encoded path segment`);
    case 'route': {
      const event = gatewayEvent({
        method,
        rawPath,
        rawQueryString,
        headers: request.headers,
        protocol: `HTTP/${request.httpVersion}`,
        sourceIp: socketAddress(request.socket.remoteAddress),
        routeKey: route.routeKey,
        ...(route.pathParameters ? { pathParameters: route.pathParameters } : {}),
        body,
        ...(caller.authorizerContext ? { authorizerContext: caller.authorizerContext } : {}),
      });
      return options.handlers[route.operation](event);
    }
  }
}

/**
 * Who may call: the local app's Basic credentials or a request signed with
 * the local key pair on every route; on the EMQX-compatible routes also an
 * app of the apps table, checked by the same authorizer as in AWS, whose
 * context (the app and its role) goes with the request. False: refused.
 */
async function authenticated(
  request: IncomingMessage,
  parts: Omit<SignedRequest, 'headers'>,
  route: RouteMatch,
  options: ApiServerOptions,
): Promise<false | { authorizerContext?: Record<string, string> }> {
  const authorization = request.headers.authorization;
  if (isSigV4(authorization)) {
    return options.sigv4Key !== undefined && (await verifySigV4({ ...parts, headers: request.headers }, options.sigv4Key)) && {};
  }
  if (isAuthorized(authorization, options.credentials)) return {};
  const surface = route.kind === 'route' ? routeOf(route.routeKey)?.surface : undefined;
  if (surface !== 'emqx4' && surface !== 'emqx5') return false;
  const answer = await options.handlers.authorizeApp({ type: 'REQUEST', routeKey: route.kind === 'route' ? route.routeKey : '', headers: { authorization } });
  return answer.isAuthorized && (answer.context ? { authorizerContext: answer.context } : {});
}

function send(response: ServerResponse, result: HttpResponse): void {
  const body = Buffer.from(result.body, result.isBase64Encoded ? 'base64' : 'utf8');
  const headers: Record<string, string> = { 'content-length': String(body.length) };
  for (const [name, value] of Object.entries(result.headers ?? {})) headers[name.toLowerCase()] = String(value);
  response.writeHead(result.statusCode, headers);
  response.end(body);
}

const listenHost = (options: ApiServerOptions) => options.host ?? '127.0.0.1';

export async function startApiServer(options: ApiServerOptions): Promise<ApiServer> {
  const { log } = options;
  let port = 0;
  const server = createServer((request, response) => {
    const started = performance.now();
    respond(request, options, port)
      .catch((error: unknown) => {
        log.error(`${request.method} ${request.url} failed`, error);
        return failure(500, 102, 'internal error');
      })
      .then((result) => {
        send(response, result);
        log.info(`${request.method} ${request.url} ${result.statusCode} ${Math.round(performance.now() - started)} ms`);
      });
  });
  const host = listenHost(options);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address();
  port = typeof address === 'object' && address ? address.port : 0;
  return {
    url: `http://${urlHost(host)}:${port}`,
    port,
    stop: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
