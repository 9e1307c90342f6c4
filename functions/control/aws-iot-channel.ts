/**
 * Kicks through AWS IoT Core's data plane: DeleteConnection closes the
 * client's connection. cleanSession=true discards a persistent session too
 * (an EMQX 4 kick drops the session); the will message is still published, as
 * EMQX 4 does on a kick. The SDK client is a chunk, loaded at the first kick.
 *
 * The SDK puts the client id in the path (`/connections/{clientId}`) encoded
 * but with its dots as they are, so `.` and `..` would be resolved away as
 * path steps (its own signer does so): for those two the path segment is
 * rewritten before signing to the `%2E` spelling (`pathSegment`).
 */
import type { IoTDataPlaneClient } from '@aws-sdk/client-iot-data-plane';
import { loadIotDataPlane } from '../chunks.js';
import { isDotSegment, pathSegment } from '../sources/path-segment.js';
import { ClientNotOnBrokerError, ControlChannelError, type ControlChannel, type ControlCommand } from './channel.js';

export type AwsIotChannelOptions = {
  region: string;
  /** The account's data endpoint (`IOT_DATA_ENDPOINT`); default: the SDK's for the region. */
  endpoint?: string;
  /** Bound on one kick, retries included. */
  timeoutMs: number;
  /** Credentials other than the default chain (tests, the local stack). */
  credentials?: { accessKeyId: string; secretAccessKey: string; sessionToken?: string };
};

/** One retry at most: a kick waits on it, and the caller answers 503 rather than wait long. */
const MAX_ATTEMPTS = 2;

export class AwsIotControlChannel implements ControlChannel {
  private client: IoTDataPlaneClient | undefined;
  private readonly timeoutMs: number;

  constructor(private readonly options: AwsIotChannelOptions) {
    this.timeoutMs = options.timeoutMs;
  }

  private newClient(IoTDataPlane: typeof IoTDataPlaneClient): IoTDataPlaneClient {
    const perAttempt = Math.max(1, Math.floor(this.options.timeoutMs / MAX_ATTEMPTS));
    const client = new IoTDataPlane({
      region: this.options.region,
      ...(this.options.endpoint ? { endpoint: this.options.endpoint } : {}),
      ...(this.options.credentials ? { credentials: this.options.credentials } : {}),
      maxAttempts: MAX_ATTEMPTS,
      requestHandler: { connectionTimeout: perAttempt, requestTimeout: perAttempt, throwOnRequestTimeout: true },
    });
    client.middlewareStack.add(
      (next) => async (args) => {
        const clientId = (args.input as { clientId?: unknown }).clientId;
        const request = args.request as { path?: unknown };
        if (typeof clientId === 'string' && isDotSegment(clientId) && typeof request.path === 'string') {
          request.path = request.path.replace(/[^/]*$/, pathSegment(clientId));
        }
        return next(args);
      },
      { step: 'build', name: 'dotSegmentClientIdMiddleware' },
    );
    return client;
  }

  async send(command: ControlCommand): Promise<void> {
    // The overall bound covers retries and back-off, which the per-attempt timeouts do not.
    const signal = AbortSignal.timeout(this.timeoutMs);
    const { DeleteConnectionCommand, IoTDataPlaneClient } = await loadIotDataPlane();
    this.client ??= this.newClient(IoTDataPlaneClient);
    try {
      await this.client.send(
        new DeleteConnectionCommand({ clientId: command.clientid, cleanSession: true, preventWillMessage: false }),
        { abortSignal: signal },
      );
    } catch (error) {
      throw translate(error, signal.aborted, this.timeoutMs);
    }
  }

  destroy(): void {
    this.client?.destroy();
    this.client = undefined;
  }
}

function translate(error: unknown, timedOut: boolean, timeoutMs: number): Error {
  const e = error as { name?: string; message?: string; $metadata?: { httpStatusCode?: number } };
  if (e.name === 'ResourceNotFoundException') return new ClientNotOnBrokerError('AWS IoT holds no connection of the client');
  if (timedOut || e.name === 'AbortError' || e.name === 'TimeoutError') {
    return new ControlChannelError(`AWS IoT did not answer DeleteConnection within ${timeoutMs} ms`);
  }
  const status = e.$metadata?.httpStatusCode;
  if (status !== undefined) {
    return new ControlChannelError(`AWS IoT refused DeleteConnection: HTTP ${status} ${e.name ?? 'error'}`);
  }
  return new ControlChannelError(`AWS IoT unreachable for DeleteConnection: ${e.name ?? 'error'}: ${e.message ?? String(error)}`);
}
