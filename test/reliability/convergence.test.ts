/**
 * The table converges to what the broker holds after DynamoDB stalls and
 * after events are lost: session writes are retried until they land, and
 * the node's reconciliation repairs what never reached its queue.
 */
import { DeleteCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { toItem } from '../../functions/sessions/item.js';
import { applyEvent } from '../../functions/sessions/reducer.js';
import { startDynamoDbLocal, type DynamoDbLocal } from '../../infra/local/dynamodb-local.js';
import { startLocalStack, type LocalStack } from '../../infra/local/stack.js';
import { apiClient, MqttClients } from '../e2e/local-stack.js';
import { localDocumentClient } from '../support/dynamodb.js';
import { connection } from '../support/sessions.js';

const SHARDS = 4;
const CLIENTS = 100;

let dynamodb: DynamoDbLocal;
let stack: LocalStack;
let api: ReturnType<typeof apiClient>;
const clients = new MqttClients(() => stack.mqttUrl);

beforeAll(async () => {
  // Its own DynamoDB Local: the test freezes it, which the rest of the run must not feel.
  dynamodb = await startDynamoDbLocal();
  stack = await startLocalStack({
    apiPort: 0,
    mqttPort: 0,
    dynamodbEndpoint: dynamodb.endpoint,
    tableName: 'convergence',
    shards: SHARDS,
    node: 'converge@127.0.0.1',
    statsIntervalMs: 60_000,
    reconcileIntervalMs: 60_000,
    functionLogLevel: 'SILENT',
  });
  api = apiClient(stack);
});

afterAll(async () => {
  if (dynamodb?.pid) process.kill(dynamodb.pid, 'SIGCONT');
  await clients.closeAll();
  await stack?.stop();
  await dynamodb?.stop();
});

async function eventually(check: () => Promise<boolean>, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`not converged within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

const listed = async (query = '_limit=1000') => (await api.list(query)).body;

describe('convergence', () => {
  it('shows no ghost and an exact count after DynamoDB stalls during a disconnect burst', async () => {
    const ids = Array.from({ length: CLIENTS }, (_, i) => `burst-${i}`);
    // In groups, with room for a busy machine: the burst that matters is the disconnect.
    const connections = [];
    for (let i = 0; i < ids.length; i += 20) {
      connections.push(...(await Promise.all(ids.slice(i, i + 20).map((clientId) => clients.connect({ clientId, clean: true, connectTimeout: 30_000 })))));
    }
    const keep = await clients.connect({ clientId: 'stays', clean: true });
    await stack.broker.idle();
    await stack.settleCounters();
    expect((await listed()).meta?.count).toBe(CLIENTS + 1);

    process.kill(dynamodb.pid!, 'SIGSTOP');
    await Promise.all(connections.map((client) => client.endAsync()));
    await new Promise((resolve) => setTimeout(resolve, 5_000));
    process.kill(dynamodb.pid!, 'SIGCONT');

    await eventually(async () => {
      const body = await listed();
      return body.data.length === 1 && body.meta?.count === 1;
    }, 60_000);
    await stack.settleCounters();
    const body = await listed();
    expect(body.data.map((c) => c.clientid)).toEqual(['stays']);
    expect((await listed('conn_state=connected')).meta?.count).toBe(1);
    expect(keep.connected).toBe(true);
  });

  it('ends a ghost and restores a lost connect in one reconciliation run', async () => {
    const db = localDocumentClient(dynamodb.endpoint);
    const table = { tableName: 'convergence', shards: SHARDS };
    // A session this node never held, as a lost disconnect would leave it.
    const ghost = applyEvent(undefined, { type: 'connected', conn: connection({ clientid: 'ghost', node: stack.node, connected_at: Date.now() - 60_000 }) })!;
    await db.send(new PutCommand({ TableName: table.tableName, Item: toItem(ghost, SHARDS, 1) }));
    // A client whose record is gone, as a lost connect would leave it.
    await clients.connect({ clientId: 'lost-connect', clean: true });
    await stack.broker.idle();
    await db.send(new DeleteCommand({ TableName: table.tableName, Key: { clientid: 'lost-connect' } }));

    const report = await stack.broker.reconcile();
    expect(report).toMatchObject({ ended: 1, added: 1, failed: 0, truncated: false });
    expect((await api.get('ghost')).body.data).toEqual([]);
    expect((await api.get('lost-connect')).body.data[0]).toMatchObject({ clientid: 'lost-connect', connected: true, node: stack.node });
    db.destroy();
  });
});
