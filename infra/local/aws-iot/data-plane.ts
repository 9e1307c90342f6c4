/**
 * A loopback stand-in of the AWS IoT data-plane endpoint, for tests and the
 * local stack. It answers DeleteConnection (`DELETE /connections/{clientId}`)
 * as the service does: 200 with an empty body, or an error status with the
 * error's name in `x-amzn-ErrorType` and `{"message"}` in the body (what the
 * SDK's REST-JSON protocol reads). Signatures are not verified, but a request
 * must carry a SigV4 `authorization` header for the data plane's signing name.
 * The path is read as SigV4 reads it: `.` and `..` segments resolved first,
 * then the client id segment percent-decoded, so `%2E` names the client `.`.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { splitTarget, withoutDotSegments } from '../request-target.js';

export type DeleteConnectionOptions = { cleanSession: boolean; preventWillMessage: boolean };

export type DataPlaneBackend = {
  /** false: no such client (404 ResourceNotFoundException). Throw a DataPlaneFault to answer any other error. */
  deleteConnection(clientId: string, options: DeleteConnectionOptions): Promise<boolean>;
};

/** An error answer of the service, e.g. 429 ThrottlingException or 503 ServiceUnavailableException. */
export class DataPlaneFault extends Error {
  constructor(
    readonly status: number,
    readonly errorType: string,
    message = errorType,
  ) {
    super(message);
  }
}

export type IotDataPlane = { url: string; stop(): Promise<void> };

/** `AWS4-HMAC-SHA256 Credential=<key>/<date>/<region>/<service>/aws4_request, ...`; the SDK signs as `iotdata`. */
const SIGV4 = /^AWS4-HMAC-SHA256 Credential=[^/\s]+\/\d{8}\/[^/\s]+\/(iotdata|iotdevicegateway)\/aws4_request,/;

export async function startIotDataPlane(options: { backend: DataPlaneBackend; port?: number }): Promise<IotDataPlane> {
  const server = createServer((request, response) => {
    handle(options.backend, request, response).catch(() => answerError(response, 500, 'InternalFailureException', 'internal failure'));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    stop: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        // Requests a test backend never answers must not hold the server open.
        server.closeAllConnections();
      }),
  };
}

async function handle(backend: DataPlaneBackend, request: IncomingMessage, response: ServerResponse): Promise<void> {
  // Drain the body; DeleteConnection has none.
  for await (const chunk of request) void chunk;
  const { rawPath, query } = splitTarget(request.url ?? '/');
  // Dot segments resolved on the raw path, as SigV4 normalises it; escapes are decoded after.
  const match = /^\/connections\/([^/]+)$/.exec(`/${withoutDotSegments(rawPath.split('/').slice(1)).join('/')}`);
  if (!match) return answerError(response, 404, 'UnknownOperationException', 'unknown operation');
  if (request.method !== 'DELETE') return answerError(response, 405, 'MethodNotAllowedException', 'method not allowed');
  if (!SIGV4.test(request.headers.authorization ?? '')) {
    return answerError(response, 403, 'ForbiddenException', 'missing or malformed SigV4 authorization');
  }
  let clientId: string;
  try {
    clientId = decodeURIComponent(match[1]!);
  } catch {
    return answerError(response, 400, 'InvalidRequestException', 'malformed client ID');
  }
  const flags: DeleteConnectionOptions = {
    cleanSession: query.get('cleanSession') === 'true',
    preventWillMessage: query.get('preventWillMessage') === 'true',
  };
  let found: boolean;
  try {
    found = await backend.deleteConnection(clientId, flags);
  } catch (error) {
    if (error instanceof DataPlaneFault) return answerError(response, error.status, error.errorType, error.message);
    throw error;
  }
  if (!found) return answerError(response, 404, 'ResourceNotFoundException', 'no connection for the client ID');
  response.writeHead(200, { 'content-length': '0' }).end();
}

function answerError(response: ServerResponse, status: number, errorType: string, message: string): void {
  if (response.headersSent) return void response.destroy();
  const body = JSON.stringify({ message });
  response
    .writeHead(status, {
      'content-type': 'application/json',
      'content-length': Buffer.byteLength(body),
      'x-amzn-ErrorType': errorType,
    })
    .end(body);
}
