/**
 * `npm run smoke -- --stack NAME`: the API URL, ingest URL and ingest token
 * from the stack's outputs and its token secret. One loopback server stands
 * in for CloudFormation (Query API, XML) and Secrets Manager (JSON 1.1).
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { parseSmokeOptions } from '../../../infra/smoke/options.js';
import { resolveSmokeTarget } from '../../../infra/smoke/target.js';

const TOKEN_ARN = 'arn:aws:secretsmanager:eu-west-1:111122223333:secret:ingest-token';
let outputs: Record<string, string> = {};
let secret = '';
let server: Server;
let url: string;

const outputsXml = () =>
  `<DescribeStacksResponse><DescribeStacksResult><Stacks><member><Outputs>${Object.entries(outputs)
    .map(([k, v]) => `<member><OutputKey>${k}</OutputKey><OutputValue>${v}</OutputValue></member>`)
    .join('')}</Outputs></member></Stacks></DescribeStacksResult></DescribeStacksResponse>`;

beforeAll(async () => {
  server = createServer((request, response) => {
    request.resume();
    request.on('end', () => {
      if (request.headers['x-amz-target'] === 'secretsmanager.GetSecretValue') {
        response.writeHead(200, { 'content-type': 'application/x-amz-json-1.1' }).end(JSON.stringify({ ARN: TOKEN_ARN, SecretString: secret }));
      } else {
        response.writeHead(200, { 'content-type': 'text/xml' }).end(outputsXml());
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));
afterEach(() => vi.unstubAllEnvs());

const stackOptions = () => {
  const options = parseSmokeOptions(['--stack', 'MqttClientsApi', '--region', 'eu-west-1', '--app', 'a1:s1']);
  if (options.help) throw new Error('unexpected help');
  return options;
};
const env = () => ({ AWS_ENDPOINT_URL_CLOUDFORMATION: url, AWS_ACCESS_KEY_ID: 'AKIDLOCAL', AWS_SECRET_ACCESS_KEY: 'local' });

describe('the smoke target of a stack', () => {
  it('takes the API URL from ApiUrl and the ingest token from its secret', async () => {
    for (const [name, value] of Object.entries({ ...env(), AWS_ENDPOINT_URL_SECRETS_MANAGER: url })) vi.stubEnv(name, value);
    outputs = { ApiUrl: 'https://abc.execute-api.eu-west-1.amazonaws.com/', IngestTokenSecretArn: TOKEN_ARN };
    secret = ' token-from-the-secret\n';
    expect(await resolveSmokeTarget(stackOptions(), process.env)).toEqual({
      apiUrl: 'https://abc.execute-api.eu-west-1.amazonaws.com',
      region: 'eu-west-1',
      ingest: { url: 'https://abc.execute-api.eu-west-1.amazonaws.com/ingest/emqx', token: 'token-from-the-secret' },
    });
  });

  it('posts to the IngestUrl output when the stack has one', async () => {
    for (const [name, value] of Object.entries({ ...env(), AWS_ENDPOINT_URL_SECRETS_MANAGER: url })) vi.stubEnv(name, value);
    outputs = { ApiUrl: 'https://abc.execute-api.eu-west-1.amazonaws.com', IngestUrl: 'https://xyz.lambda-url.eu-west-1.on.aws/', IngestTokenSecretArn: TOKEN_ARN };
    secret = 'token';
    expect((await resolveSmokeTarget(stackOptions(), process.env)).ingest).toEqual({ url: 'https://xyz.lambda-url.eu-west-1.on.aws', token: 'token' });
  });

  it('says why the session steps cannot run on a stack that takes no webhooks, or whose token secret is empty', async () => {
    for (const [name, value] of Object.entries({ ...env(), AWS_ENDPOINT_URL_SECRETS_MANAGER: url })) vi.stubEnv(name, value);
    outputs = { ApiUrl: 'https://abc.execute-api.eu-west-1.amazonaws.com' };
    expect((await resolveSmokeTarget(stackOptions(), process.env)).ingest).toEqual({ skipped: expect.stringMatching(/takes no EMQX webhooks/) });
    outputs = { ApiUrl: 'https://abc.execute-api.eu-west-1.amazonaws.com', IngestTokenSecretArn: TOKEN_ARN };
    secret = '';
    expect((await resolveSmokeTarget(stackOptions(), process.env)).ingest).toEqual({ skipped: expect.stringMatching(/is empty: fill it/) });
  });

  it('refuses a stack without ApiUrl', async () => {
    for (const [name, value] of Object.entries(env())) vi.stubEnv(name, value);
    outputs = { TableName: 'sessions' };
    await expect(resolveSmokeTarget(stackOptions(), process.env)).rejects.toThrow(/has no ApiUrl output/);
  });
});
