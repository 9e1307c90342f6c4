/**
 * The web console in the synthesized stack: its two routes without an
 * authorizer on their own function, a function that may only write its
 * logs, and the bundle that function runs answering the page and its
 * assets with the console's content types, CSP and cache headers.
 */
import { createRequire } from 'node:module';
import * as path from 'node:path';
import { App, Validations } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { AwsSolutionsChecks } from 'cdk-nag';
import { beforeAll, describe, expect, it } from 'vitest';
import { CONSOLE_CSP } from '../../functions/console/assets.js';
import type { ConsoleRequest } from '../../functions/console/handler.js';
import type { HttpResponse } from '../../functions/http/response.js';
import { CLIENTS_API_DEFAULTS } from '../../infra/aws/clients-api.js';
import { consoleBundleDir } from '../../infra/aws/console.js';
import { ClientsApiStack } from '../../infra/aws/stack.js';

process.env.CDK_DOCKER = '/nonexistent/docker-is-not-used';

type Json = Record<string, unknown>;
let template: Template;

beforeAll(() => {
  const app = new App();
  const stack = new ClientsApiStack(app, 'ConsoleTest');
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
  template = Template.fromJSON(app.synth().getStackArtifact(stack.artifactId).template as Json);
}, 120_000);

const resources = (type: string) => Object.entries(template.findResources(type) as Record<string, Json>).map(([id, r]) => ({ id, props: r.Properties as Json }));

const consoleFunction = () => resources('AWS::Lambda::Function').find((f) => f.props.Description === 'GET /console: the web console')!;

describe('the console in the stack', () => {
  it('has GET /console and GET /console/{asset}, without an authorizer, on the console function alone', () => {
    const routes = resources('AWS::ApiGatewayV2::Route').filter((r) => String(r.props.RouteKey).includes('/console'));
    expect(routes.map((r) => r.props.RouteKey).sort()).toEqual(['GET /console', 'GET /console/{asset}']);
    for (const route of routes) expect(route.props.AuthorizationType).toBe('NONE');
    const targets = new Set(routes.map((r) => JSON.stringify(r.props.Target)));
    expect(targets.size).toBe(1);
    const integrationId = [...targets][0]!.match(/"([A-Za-z0-9]+Integration[A-Za-z0-9]*)"/)![1]!;
    const integration = resources('AWS::ApiGatewayV2::Integration').find((i) => i.id === integrationId)!;
    expect(JSON.stringify(integration.props.IntegrationUri)).toContain(consoleFunction().id);
    expect(integration.props.PayloadFormatVersion).toBe('2.0');
  });

  it('runs on the team runtime with the memory of every function, and may only write its own logs', () => {
    const fn = consoleFunction();
    expect(fn.props).toMatchObject({ Runtime: 'nodejs22.x', Architectures: ['arm64'], MemorySize: CLIENTS_API_DEFAULTS.memorySize, Handler: 'index.handler' });
    const roleId = (fn.props.Role as { 'Fn::GetAtt': string[] })['Fn::GetAtt'][0];
    const policies = resources('AWS::IAM::Policy').filter((p) => JSON.stringify(p.props.Roles) === JSON.stringify([{ Ref: roleId }]));
    const actions = policies.flatMap((p) => ((p.props.PolicyDocument as Json).Statement as { Action: string | string[] }[]).flatMap((s) => s.Action));
    expect(actions.sort()).toEqual(['logs:CreateLogStream', 'logs:PutLogEvents']);
    const role = resources('AWS::IAM::Role').find((r) => r.id === roleId)!;
    expect(role.props.ManagedPolicyArns).toBeUndefined();
  });
});

describe('the console function as bundled', () => {
  const handler = createRequire(import.meta.url)(path.join(consoleBundleDir(), 'index.js')).handler as (event: ConsoleRequest) => Promise<HttpResponse>;
  const get = (rawPath: string, headers: Record<string, string> = {}) => handler({ rawPath, headers, requestContext: { http: { method: 'GET' } } });
  const body = (response: HttpResponse) => Buffer.from(response.body, response.isBase64Encoded ? 'base64' : 'utf8').toString('utf8');

  it('answers the page as HTML with the CSP, revalidated on every visit', async () => {
    const page = await get('/console');
    expect(page.statusCode).toBe(200);
    expect(page.headers).toMatchObject({
      'content-type': 'text/html; charset=utf-8',
      'cache-control': 'no-cache',
      'content-security-policy': CONSOLE_CSP,
      'x-content-type-options': 'nosniff',
    });
    expect(CONSOLE_CSP).toBe(
      "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self'; base-uri 'none'; frame-ancestors 'none'; form-action 'none'",
    );
    expect((await get('/console', { 'if-none-match': String(page.headers!.etag) })).statusCode).toBe(304);
  });

  it('answers each asset the page names as immutable, gzip-compressed when asked, and nothing else', async () => {
    const html = body(await get('/console'));
    const names = [...html.matchAll(/(?:src|href)="\/console\/([^"]+)"/g)].map((m) => m[1]!);
    expect(names.map((n) => path.extname(n)).sort()).toEqual(['.css', '.js', '.svg']);
    const types: Record<string, string> = { '.js': 'text/javascript; charset=utf-8', '.css': 'text/css; charset=utf-8', '.svg': 'image/svg+xml' };
    for (const name of names) {
      const asset = await get(`/console/${name}`, { 'accept-encoding': 'gzip, br' });
      expect(asset.statusCode, name).toBe(200);
      expect(asset.headers).toMatchObject({ 'content-type': types[path.extname(name)], 'cache-control': 'public, max-age=31536000, immutable', 'content-encoding': 'gzip' });
    }
    expect((await get('/console/main.js')).statusCode).toBe(404);
    expect((await handler({ rawPath: '/console', requestContext: { http: { method: 'POST' } } })).statusCode).toBe(405);
  });
});
