/**
 * The ingest route's throttle is its own: set by `ingestThrottle`, apart from
 * the admin routes' stage default set by `throttle`, whatever the two are.
 */
import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { API_ROUTES, routeKeyOf } from '../../functions/api/routes.js';
import { ClientsApi } from '../../infra/aws/clients-api.js';

process.env.CDK_DOCKER = '/nonexistent/docker-is-not-used';

type Json = Record<string, unknown>;

describe('per-route throttles', () => {
  it('gives POST /ingest/emqx the ingest throttle and every admin route the stage default', () => {
    const app = new App();
    const stack = new Stack(app, 'RouteThrottle', { env: { account: '123456789012', region: 'eu-west-1' } });
    new ClientsApi(stack, 'Api', {
      broker: { kind: 'emqx5', apiUrl: 'https://emqx.internal:18083', apiCredentialsSecretArn: 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:emqx-api-AbCdEf' },
      throttle: { rateLimit: 50, burstLimit: 70 },
      ingestThrottle: { rateLimit: 8000, burstLimit: 4000 },
    });
    const template = Template.fromStack(stack);
    const stage = Object.values(template.findResources('AWS::ApiGatewayV2::Stage') as Record<string, Json>)[0]!.Properties as Json;
    expect(stage.DefaultRouteSettings).toMatchObject({ ThrottlingRateLimit: 50, ThrottlingBurstLimit: 70 });
    const routeSettings = stage.RouteSettings as Record<string, Json>;
    expect(routeSettings).toEqual({ 'POST /ingest/emqx': { ThrottlingRateLimit: 8000, ThrottlingBurstLimit: 4000 } });
    // No admin route shares the ingest route's bucket.
    for (const route of API_ROUTES) expect(routeSettings[routeKeyOf(route)]).toBeUndefined();
  }, 120_000);
});
