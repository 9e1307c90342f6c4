/**
 * Kicks through an EMQX cluster's REST API, which kicks on whichever node
 * holds the client.
 *
 * EMQX 5: `DELETE /api/v5/clients/{clientid}` answers 204, or 404
 * `{"code":"CLIENTID_NOT_FOUND"}`.
 *
 * EMQX 4.4: `DELETE /api/v4/clients/{clientid}` answers HTTP 200 `{"code":0}`
 * even for a client it does not hold (its `emqx_cm:kick_session/1` logs
 * "kicked_an_unknown_session" and returns ok), and `{"code":112}` only on
 * 4.0–4.3.8. So the channel first asks `GET /api/v4/clients/{clientid}`,
 * which answers `{"code":0,"data":[]}` for an unknown client, and kicks only
 * a client the cluster holds.
 *
 * The clientid is one path segment (`pathSegment`). EMQX's router decodes
 * each segment and then drops `.` and `..` ones, so no request path names a
 * client with such an id: the channel refuses to kick it rather than send a
 * request that reaches another endpoint, and says so as a refusal of the id,
 * not as a broker out of reach.
 */
import { callEmqxApi, EmqxApiError, type EmqxApiAnswer } from '../sources/emqx/api.js';
import type { EmqxCredentialsSource } from '../sources/emqx/api-credentials.js';
import { isDotSegment, pathSegment } from '../sources/path-segment.js';
import { ClientNotAddressableError, ClientNotOnBrokerError, ControlChannelError, type ControlChannel, type ControlCommand } from './channel.js';

export type EmqxChannelOptions = {
  dialect: 'v5' | 'v4';
  /** e.g. `http://emqx.internal:18083`; the `/api/v5` or `/api/v4` prefix is added. */
  baseUrl: string;
  credentials: EmqxCredentialsSource;
  /** Bound on one kick: every request and answer of it. */
  timeoutMs: number;
};

/** EMQX 4's "Client not online" (`ERROR12` in `emqx_mgmt.hrl`). */
const V4_CLIENT_NOT_ONLINE = 112;

export class EmqxControlChannel implements ControlChannel {
  constructor(private readonly options: EmqxChannelOptions) {}

  async send(command: ControlCommand): Promise<void> {
    const { clientid } = command;
    if (isDotSegment(clientid)) {
      throw new ClientNotAddressableError(`EMQX ${this.options.dialect} API: no request path names the client id "${clientid}" (EMQX drops "." and ".." path segments)`);
    }
    const signal = AbortSignal.timeout(this.options.timeoutMs);
    const path = `/api/${this.options.dialect}/clients/${pathSegment(clientid)}`;
    try {
      if (this.options.dialect === 'v5') {
        expectV5Kick(await this.call('DELETE', path, signal));
      } else {
        expectV4Holds(await this.call('GET', path, signal), clientid);
        expectV4Kick(await this.call('DELETE', path, signal));
      }
    } catch (error) {
      if (error instanceof EmqxApiError) {
        throw new ControlChannelError(`EMQX ${this.options.dialect} API: ${error.message}`);
      }
      throw error;
    }
  }

  private call(method: 'GET' | 'DELETE', path: string, signal: AbortSignal): Promise<EmqxApiAnswer> {
    return callEmqxApi(this.options, method, path, signal);
  }
}

function expectV5Kick(answer: EmqxApiAnswer): void {
  if (answer.status === 204) return;
  if (answer.status === 404 && codeOf(answer.body) === 'CLIENTID_NOT_FOUND') {
    throw new ClientNotOnBrokerError('EMQX holds no session of the client');
  }
  throw new ControlChannelError(`EMQX v5 API: kick answered ${describe(answer)}`);
}

function expectV4Holds(answer: EmqxApiAnswer, clientid: string): void {
  const body = v4Body(answer, 'lookup');
  if (!Array.isArray(body.data)) throw new ControlChannelError('EMQX v4 API: lookup answered without a data list');
  // Rows of other clients (an answer from another endpoint) do not say this one is held.
  if (!body.data.some((row) => isObject(row) && row.clientid === clientid)) throw new ClientNotOnBrokerError('EMQX holds no session of the client');
}

function expectV4Kick(answer: EmqxApiAnswer): void {
  const body = v4Body(answer, 'kick');
  // Reached only when the lookup found the client: it left in between.
  if (body.code === V4_CLIENT_NOT_ONLINE) throw new ClientNotOnBrokerError('EMQX holds no session of the client');
}

/** EMQX 4 answers HTTP 200 with `code` 0 for success and an error code otherwise. */
function v4Body(answer: EmqxApiAnswer, what: string): { code: unknown; data?: unknown } {
  if (answer.status === 200 && isObject(answer.body) && answer.body.code === 0) return answer.body as { code: 0; data?: unknown };
  if (answer.status === 200 && isObject(answer.body) && answer.body.code === V4_CLIENT_NOT_ONLINE && what === 'kick') {
    return answer.body as { code: number };
  }
  throw new ControlChannelError(`EMQX v4 API: ${what} answered ${describe(answer)}`);
}

function describe(answer: EmqxApiAnswer): string {
  if (answer.status === 401 || answer.status === 403) return `HTTP ${answer.status}: the API key or secret was refused`;
  if (answer.body === undefined) return `HTTP ${answer.status} without a JSON body`;
  const code = codeOf(answer.body);
  const message = isObject(answer.body) && typeof answer.body.message === 'string' ? ` ${answer.body.message.slice(0, 200)}` : '';
  return `HTTP ${answer.status}${code !== undefined ? ` code ${String(code)}` : ''}${message}`;
}

function codeOf(body: unknown): unknown {
  return isObject(body) ? body.code : undefined;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
