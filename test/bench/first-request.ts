/**
 * The cold start a caller feels: a fresh `node` process loads a bundle and
 * answers one request, timed from the `require` to the answer. DynamoDB is a
 * stand-in on loopback that answers every call empty (no item, no rows) at
 * once, so the time is the function's own: loading, building its clients and
 * schemas, signing and sending its calls, rendering. The floor does the same
 * with nothing but the document client: one GetItem.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { getEvent, kickEvent, listEvent } from '../support/http.js';
import { runNode } from './node-process.js';

/** The floor's first request: the document client built and one GetItem sent. */
export const FLOOR_FIRST_REQUEST_SOURCE = [
  "import { DynamoDBClient } from '@aws-sdk/client-dynamodb';",
  "import { DynamoDBDocumentClient, GetCommand } from '@aws-sdk/lib-dynamodb';",
  'export const firstRequest = () =>',
  '  DynamoDBDocumentClient.from(new DynamoDBClient({ endpoint: process.env.DYNAMODB_ENDPOINT }))',
  "    .send(new GetCommand({ TableName: process.env.TABLE_NAME, Key: { clientid: 'c1' } }));",
  '',
].join('\n');

/** The request each API handler answers first: a page of the list, one client, a kick of a client the table does not hold. */
export const FIRST_REQUESTS: Record<string, { event: APIGatewayProxyEventV2; label: string }> = {
  'list-clients': { event: listEvent('_limit=10'), label: 'GET /clients?_limit=10' },
  'get-client': { event: getEvent('c1'), label: 'GET /clients/c1' },
  'kick-client': { event: kickEvent('c1'), label: 'DELETE /clients/c1 (unknown client)' },
};

/** What the stand-in answers each operation (the JSON 1.0 protocol names it in X-Amz-Target). */
function emptyAnswer(operation: string): object {
  switch (operation) {
    case 'Query':
    case 'Scan':
      return { Items: [], Count: 0, ScannedCount: 0 };
    case 'BatchGetItem':
      return { Responses: {}, UnprocessedKeys: {} };
    default:
      return {};
  }
}

export type EmptyDynamoDb = { endpoint: string; calls: string[]; close(): Promise<void> };

/** A DynamoDB endpoint on 127.0.0.1 that answers every call empty and records the operations called. */
export async function startEmptyDynamoDb(): Promise<EmptyDynamoDb> {
  const calls: string[] = [];
  const server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      const operation = String(req.headers['x-amz-target'] ?? '').split('.').pop() ?? '';
      calls.push(operation);
      res.writeHead(200, { 'content-type': 'application/x-amz-json-1.0' });
      res.end(JSON.stringify(emptyAnswer(operation)));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    calls,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

export type FirstRequestSample = { importMs: number; firstRequestMs: number; status: number };

const RESULT_MARK = 'FIRST-REQUEST-RESULT ';

/**
 * Loads `file` in a fresh process and answers one request: the bundle's
 * `handler` with `event`, or its `firstRequest()` (the floor). The handler's
 * own log lines share stdout, so the result is the line after a mark.
 */
export async function timeFirstRequest(node: string, file: string, env: NodeJS.ProcessEnv, event: APIGatewayProxyEventV2 | undefined): Promise<FirstRequestSample> {
  const script = [
    'const t0 = performance.now();',
    `const bundle = require(${JSON.stringify(file)});`,
    'const t1 = performance.now();',
    'const event = process.env.FIRST_REQUEST_EVENT ? JSON.parse(process.env.FIRST_REQUEST_EVENT) : undefined;',
    'const answer = event ? bundle.handler(event, { getRemainingTimeInMillis: () => 10000 }) : bundle.firstRequest();',
    'answer.then((response) => {',
    '  const t2 = performance.now();',
    `  process.stdout.write('\\n${RESULT_MARK}' + JSON.stringify({ importMs: t1 - t0, firstRequestMs: t2 - t0, status: response?.statusCode ?? 200 }) + '\\n');`,
    '  process.exit(0);',
    '});',
  ].join('\n');
  const { code, stdout, stderr } = await runNode(node, ['-e', script], { ...env, ...(event ? { FIRST_REQUEST_EVENT: JSON.stringify(event) } : {}) });
  const line = stdout.split('\n').find((l) => l.startsWith(RESULT_MARK));
  if (code !== 0 || !line) throw new Error(`first request of ${file} exited with ${code}: ${stderr.slice(0, 2000)}`);
  return JSON.parse(line.slice(RESULT_MARK.length)) as FirstRequestSample;
}
