import { afterEach, describe, expect, it } from 'vitest';
import { AwsIotControlChannel } from '../../../functions/control/aws-iot-channel.js';
import { ClientNotOnBrokerError, ControlChannelError, type KickCommand } from '../../../functions/control/channel.js';
import {
  DataPlaneFault,
  startIotDataPlane,
  type DataPlaneBackend,
  type DeleteConnectionOptions,
} from '../../../infra/local/aws-iot/data-plane.js';
import { freePort } from '../../../infra/local/dynamodb-local.js';
import { AWKWARD_IDS } from '../../support/awkward-ids.js';
import { rawRequest } from '../../support/raw-request.js';

const TIMEOUT_MS = 1500;
const CREDENTIALS = { accessKeyId: 'AKIDLOCAL', secretAccessKey: 'local-secret' };

let counter = 0;
function kick(clientid: string): KickCommand {
  return {
    version: 1,
    type: 'kick',
    id: `command-${++counter}`,
    clientid,
    node: 'aws-iot@eu-west-1',
    conn_key: `1764158400000#aws-iot@eu-west-1#${'7'.padStart(20, '0')}#session-1`,
    issued_at: new Date().toISOString(),
  };
}

const cleanups: Array<() => Promise<unknown> | void> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function dataPlane(backend: DataPlaneBackend): Promise<string> {
  const plane = await startIotDataPlane({ backend });
  cleanups.push(() => plane.stop());
  return plane.url;
}

function channelTo(endpoint: string): AwsIotControlChannel {
  const channel = new AwsIotControlChannel({ region: 'eu-west-1', endpoint, timeoutMs: TIMEOUT_MS, credentials: CREDENTIALS });
  cleanups.push(() => channel.destroy());
  return channel;
}

/** Holds the connected client IDs; records every call. */
function fleet(connected: string[]) {
  const held = new Set(connected);
  const calls: Array<{ clientId: string } & DeleteConnectionOptions> = [];
  const backend: DataPlaneBackend = {
    deleteConnection: async (clientId, options) => {
      calls.push({ clientId, ...options });
      return held.delete(clientId);
    },
  };
  return { backend, calls, held };
}

describe('AwsIotControlChannel against the data-plane stand-in', () => {
  it('deletes the connection with cleanSession=true and the will kept, signed with SigV4', async () => {
    const { backend, calls, held } = fleet(['factory/line 1/sensor+7']);
    const channel = channelTo(await dataPlane(backend));
    await channel.send(kick('factory/line 1/sensor+7'));
    // The stand-in answers 403 to a request without a SigV4 authorization for iotdata, so reaching the backend proves the signature.
    expect(calls).toEqual([{ clientId: 'factory/line 1/sensor+7', cleanSession: true, preventWillMessage: false }]);
    expect(held.size).toBe(0);
  });

  it('answers ClientNotOnBrokerError when AWS IoT holds no connection of the client', async () => {
    const { backend } = fleet([]);
    const channel = channelTo(await dataPlane(backend));
    await expect(channel.send(kick('absent'))).rejects.toBeInstanceOf(ClientNotOnBrokerError);
  });

  it.each([
    [503, 'ServiceUnavailableException'],
    [429, 'ThrottlingException'],
    [500, 'InternalFailureException'],
    [401, 'UnauthorizedException'],
    [403, 'ForbiddenException'],
  ])('answers ControlChannelError on HTTP %i %s, naming it', async (status, errorType) => {
    let calls = 0;
    const channel = channelTo(
      await dataPlane({
        deleteConnection: async () => {
          calls += 1;
          throw new DataPlaneFault(status, errorType);
        },
      }),
    );
    const error = await channel.send(kick('c1')).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ControlChannelError);
    expect((error as Error).message).toContain(errorType);
    expect(calls).toBeGreaterThanOrEqual(1);
    expect(calls).toBeLessThanOrEqual(2);
  });

  it('gives up within its timeout when the endpoint never answers', async () => {
    const channel = channelTo(await dataPlane({ deleteConnection: () => new Promise<boolean>(() => {}) }));
    const started = Date.now();
    const error = await channel.send(kick('c1')).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ControlChannelError);
    // Bounded by the channel's own timeout (with room for a busy machine), not by the SDK's defaults.
    expect(Date.now() - started).toBeLessThan(TIMEOUT_MS + 5000);
  });

  it('answers ControlChannelError when nothing listens at the endpoint', async () => {
    const port = await freePort();
    const error = await channelTo(`http://127.0.0.1:${port}`).send(kick('c1')).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ControlChannelError);
    expect((error as Error).message).toMatch(/unreachable|did not answer/);
  });
});

describe('AwsIotControlChannel with awkward client ids', () => {
  it('deletes exactly the connection named, "." and ".." included', async () => {
    const { backend, calls, held } = fleet([...AWKWARD_IDS, 'other']);
    const channel = channelTo(await dataPlane(backend));
    for (const clientid of AWKWARD_IDS) await channel.send(kick(clientid));
    expect(calls.map((call) => call.clientId)).toEqual(AWKWARD_IDS);
    expect([...held]).toEqual(['other']);
  });

  it('answers ClientNotOnBrokerError for an absent one, asking for no other', async () => {
    const { backend, calls, held } = fleet(['other']);
    const channel = channelTo(await dataPlane(backend));
    for (const clientid of AWKWARD_IDS) {
      await expect(channel.send(kick(clientid)), clientid).rejects.toBeInstanceOf(ClientNotOnBrokerError);
    }
    expect(calls.map((call) => call.clientId)).toEqual(AWKWARD_IDS);
    expect([...held]).toEqual(['other']);
  });
});

describe('the data-plane stand-in', () => {
  const authorization = 'AWS4-HMAC-SHA256 Credential=AKID/20261128/eu-west-1/iotdata/aws4_request, SignedHeaders=host, Signature=00';

  it('reads the path as SigV4 does: dot segments resolved, then the client id decoded', async () => {
    const { backend, calls } = fleet(['.', '..', 'a/b', 'é']);
    const url = await dataPlane(backend);
    for (const path of ['/connections/.', '/connections/..', '/connections/x/..']) {
      const answer = await rawRequest(url, 'DELETE', path, { authorization });
      expect(answer.status, path).toBe(404);
      expect(answer.headers['x-amzn-errortype'], path).toBe('UnknownOperationException');
    }
    for (const path of ['/connections/%2E', '/connections/%2e%2E', '/connections/a%2Fb', '/connections/%C3%A9']) {
      expect((await rawRequest(url, 'DELETE', `${path}?cleanSession=true`, { authorization })).status, path).toBe(200);
    }
    expect(calls.map((call) => call.clientId)).toEqual(['.', '..', 'a/b', 'é']);
    expect((await rawRequest(url, 'DELETE', '/connections/%ZZ', { authorization })).status).toBe(400);
  });

  it('refuses a request without a SigV4 authorization, as the service does', async () => {
    const { backend, calls } = fleet(['c1']);
    const url = await dataPlane(backend);
    const response = await fetch(`${url}/connections/c1?cleanSession=true`, { method: 'DELETE' });
    expect(response.status).toBe(403);
    expect(response.headers.get('x-amzn-errortype')).toBe('ForbiddenException');
    expect(calls).toEqual([]);
  });

  it('refuses a SigV4 authorization for another service', async () => {
    const { backend, calls } = fleet(['c1']);
    const url = await dataPlane(backend);
    const authorization = 'AWS4-HMAC-SHA256 Credential=AKID/20261128/eu-west-1/s3/aws4_request, SignedHeaders=host, Signature=00';
    const response = await fetch(`${url}/connections/c1`, { method: 'DELETE', headers: { authorization } });
    expect(response.status).toBe(403);
    expect(calls).toEqual([]);
  });
});
