/**
 * The CDK app (cdk.json: `npx tsx infra/aws/app.ts`). Runs the cdk-nag
 * AwsSolutions rules on every synth; a violation fails the synth.
 *
 * Account and region are optional: without them the stack is
 * environment-agnostic and synthesizes with no credentials. The CDK CLI sets
 * CDK_DEFAULT_ACCOUNT/REGION when credentials are available, which a VPC
 * lookup (-c vpcId=...) needs.
 */
import { App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { ClientsApiStack } from './stack.js';

const app = new App();

const account = process.env.CDK_DEFAULT_ACCOUNT;
const region = process.env.CDK_DEFAULT_REGION;
const stackName: unknown = app.node.tryGetContext('stackName');

new ClientsApiStack(app, typeof stackName === 'string' && stackName !== '' ? stackName : 'MqttClientsApi', {
  description: 'Management API for MQTT broker fleets (EMQX 4 clients API)',
  // Bound to an environment only when both are known (a VPC lookup needs
  // both); otherwise environment-agnostic, resolved at deploy time.
  ...(account && region ? { env: { account, region } } : {}),
});

// cdk-nag 3 is a policy validation plugin (it replaced the v2 Aspect).
Validations.of(app).addPlugins(new AwsSolutionsChecks(app, { verbose: true }));
