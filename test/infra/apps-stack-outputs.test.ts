/**
 * `npm run apps -- --stack <name>`: the apps table from the stack's
 * `AppsTableName` output, through a signed DescribeStacks call. A loopback
 * server stands in for CloudFormation (`AWS_ENDPOINT_URL_CLOUDFORMATION`),
 * answering in the Query API's XML; the apps table is in DynamoDB Local.
 */
import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { CreateTableCommand, DeleteTableCommand } from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { AppStore } from '../../functions/apps/app-store.js';
import { createAppsTableInput } from '../../functions/apps/table.js';
import { parseStackOutputs, stackOutputs } from '../../infra/apps/stack-outputs.js';
import { LOCAL_CLIENT_CONFIG } from '../../infra/local/dynamodb-local.js';
import { localDocumentClient } from '../support/dynamodb.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const endpoint = inject('dynamodbEndpoint');
const table = `apps-stack-${randomUUID()}`;
const db = localDocumentClient(endpoint);
const KEY = { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY' };

const describeStacksXml = (outputs: Record<string, string>) => `<DescribeStacksResponse xmlns="http://cloudformation.amazonaws.com/doc/2010-05-15/">
  <DescribeStacksResult>
    <Stacks>
      <member>
        <StackName>MqttClientsApi</StackName>
        <StackStatus>UPDATE_COMPLETE</StackStatus>
        <Outputs>
${Object.entries(outputs)
  .map(([k, v]) => `          <member>\n            <Description>an output</Description>\n            <OutputKey>${k}</OutputKey>\n            <OutputValue>${v}</OutputValue>\n          </member>`)
  .join('\n')}
        </Outputs>
      </member>
    </Stacks>
  </DescribeStacksResult>
  <ResponseMetadata><RequestId>b9b4b068-3a41-11e5-94eb-example</RequestId></ResponseMetadata>
</DescribeStacksResponse>`;

const noSuchStackXml = `<ErrorResponse xmlns="http://cloudformation.amazonaws.com/doc/2010-05-15/">
  <Error><Type>Sender</Type><Code>ValidationError</Code><Message>Stack with id Nope does not exist</Message></Error>
  <RequestId>5ccc7dcd-744c-11e5-be70-example</RequestId>
</ErrorResponse>`;

type Seen = { method: string; authorization: string; contentType: string; body: string };
const seen: Seen[] = [];
let cloudformation: Server;
let cloudformationUrl: string;

function read(request: IncomingMessage): Promise<string> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    request.on('data', (c: Buffer) => chunks.push(c));
    request.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
  });
}

beforeAll(async () => {
  await db.send(new CreateTableCommand(createAppsTableInput(table)));
  cloudformation = createServer((request, response) => {
    void read(request).then((body) => {
      seen.push({ method: request.method ?? '', authorization: request.headers.authorization ?? '', contentType: request.headers['content-type'] ?? '', body });
      const stack = new URLSearchParams(body).get('StackName');
      response.writeHead(stack === 'MqttClientsApi' ? 200 : 400, { 'content-type': 'text/xml' });
      response.end(stack === 'MqttClientsApi' ? describeStacksXml({ ApiUrl: 'https://abc.execute-api.eu-west-1.amazonaws.com/', AppsTableName: table }) : noSuchStackXml);
    });
  });
  await new Promise<void>((resolve) => cloudformation.listen(0, '127.0.0.1', resolve));
  const address = cloudformation.address();
  cloudformationUrl = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
});
afterAll(async () => {
  await new Promise<void>((resolve) => cloudformation.close(() => resolve()));
  await db.send(new DeleteTableCommand({ TableName: table }));
  db.destroy();
});

describe('stack outputs', () => {
  it('reads every output of the stack, XML entities decoded', () => {
    expect(parseStackOutputs(describeStacksXml({ AppsTableName: 'MqttClientsApi-AppsTable-1X2Y', Note: 'a &amp; b &lt;c&gt; &#233;' }))).toEqual({
      AppsTableName: 'MqttClientsApi-AppsTable-1X2Y',
      Note: 'a & b <c> é',
    });
    expect(parseStackOutputs(describeStacksXml({}))).toEqual({});
  });

  it('calls DescribeStacks signed for cloudformation in the given region, and names a missing stack', async () => {
    seen.length = 0;
    const outputs = await stackOutputs({ stackName: 'MqttClientsApi', region: 'eu-west-1', endpoint: cloudformationUrl, credentials: KEY });
    expect(outputs).toEqual({ ApiUrl: 'https://abc.execute-api.eu-west-1.amazonaws.com/', AppsTableName: table });
    expect(seen).toHaveLength(1);
    expect(seen[0]!.method).toBe('POST');
    expect(Object.fromEntries(new URLSearchParams(seen[0]!.body))).toEqual({ Action: 'DescribeStacks', StackName: 'MqttClientsApi', Version: '2010-05-15' });
    expect(seen[0]!.contentType).toContain('application/x-www-form-urlencoded');
    expect(seen[0]!.authorization).toMatch(/^AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE\/\d{8}\/eu-west-1\/cloudformation\/aws4_request, SignedHeaders=[a-z0-9;-]*host[a-z0-9;-]*, Signature=[0-9a-f]{64}$/);

    await expect(stackOutputs({ stackName: 'Nope', region: 'eu-west-1', endpoint: cloudformationUrl, credentials: KEY })).rejects.toThrow(
      'DescribeStacks Nope in eu-west-1: Stack with id Nope does not exist',
    );
  });

  // DynamoDB Local keeps tables per region: the local one, while the stand-in answers for any region.
  it('lets npm run apps find the apps table by --stack', async () => {
    const app = await new AppStore(db, table).create('found by stack');
    const run = await new Promise<{ code: number; stdout: string; stderr: string }>((resolve) =>
      execFile(
        'npm',
        ['run', '--silent', 'apps', '--', 'list', '--stack', 'MqttClientsApi', '--region', LOCAL_CLIENT_CONFIG.region, '--endpoint', endpoint],
        {
          cwd: ROOT,
          env: {
            PATH: process.env.PATH,
            HOME: process.env.HOME,
            AWS_ENDPOINT_URL_CLOUDFORMATION: cloudformationUrl,
            AWS_ACCESS_KEY_ID: KEY.accessKeyId,
            AWS_SECRET_ACCESS_KEY: KEY.secretAccessKey,
          },
          timeout: 60_000,
        },
        (error, stdout, stderr) => resolve({ code: error ? 1 : 0, stdout, stderr }),
      ),
    );
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toContain(app.app_id);
    expect(run.stdout).toContain('found by stack');
  }, 120_000);
});
