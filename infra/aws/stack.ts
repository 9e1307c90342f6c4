/**
 * The deployable stack: the ClientsApi construct, configured from CDK context
 * so that `cdk synth` works offline with no context at all.
 *
 *   npx cdk deploy -c brokerUrl=mqtts://broker.internal:8883 \
 *     -c controlSecretArn=arn:aws:secretsmanager:...:secret:broker-control-AbCdEf \
 *     -c vpcId=vpc-0123 -c subnetIds=subnet-a,subnet-b -c sessionShards=8
 */
import { Annotations, CfnOutput, Stack, Validations, type StackProps } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import type { Construct } from 'constructs';
import { ClientsApi, type ClientsApiProps } from './clients-api.js';

/** Broker URL used when no `brokerUrl` context is given: synthesizes, but kicks cannot work. */
export const PLACEHOLDER_BROKER_URL = 'mqtts://broker.example.invalid:8883';

/** The context keys the stack reads (`cdk deploy -c key=value`). */
export const CONTEXT_KEYS = {
  brokerUrl: 'brokerUrl',
  controlSecretArn: 'controlSecretArn',
  controlTopicPrefix: 'controlTopicPrefix',
  kickConfirmTimeoutMs: 'kickConfirmTimeoutMs',
  sessionShards: 'sessionShards',
  vpcId: 'vpcId',
  subnetIds: 'subnetIds',
} as const;

export class ClientsApiStack extends Stack {
  public readonly clientsApi: ClientsApi;

  constructor(scope: Construct, id: string, props?: StackProps) {
    super(scope, id, props);

    const brokerUrl = this.contextString(CONTEXT_KEYS.brokerUrl);
    const controlSecretArn = this.contextString(CONTEXT_KEYS.controlSecretArn);
    const controlTopicPrefix = this.contextString(CONTEXT_KEYS.controlTopicPrefix);
    const kickConfirmTimeoutMs = this.contextNumber(CONTEXT_KEYS.kickConfirmTimeoutMs);
    const sessionShards = this.contextNumber(CONTEXT_KEYS.sessionShards);
    const vpcId = this.contextString(CONTEXT_KEYS.vpcId);
    const subnetIds = this.contextString(CONTEXT_KEYS.subnetIds)
      ?.split(',')
      .map((s) => s.trim())
      .filter((s) => s !== '');

    if (!brokerUrl) {
      Annotations.of(this).addWarningV2(
        'clients-api:placeholder-broker',
        `No -c ${CONTEXT_KEYS.brokerUrl}=...: the kick function points at ${PLACEHOLDER_BROKER_URL} and DELETE /clients/{clientid} cannot work.`,
      );
    }

    let controlCredentials: Pick<ClientsApiProps, 'controlCredentialsSecret' | 'controlCredentialsSecretArn'>;
    if (controlSecretArn) {
      controlCredentials = { controlCredentialsSecretArn: controlSecretArn };
    } else {
      const secret = new secretsmanager.Secret(this, 'ControlCredentials', {
        description:
          'Broker control channel credentials {"username","password"} of the clients API. Created because no controlSecretArn was given: put the broker credentials here.',
        generateSecretString: {
          secretStringTemplate: JSON.stringify({ username: 'clients-api' }),
          generateStringKey: 'password',
          excludePunctuation: true,
          passwordLength: 32,
        },
      });
      Validations.of(secret).acknowledge({
        id: 'AwsSolutions-SMG4',
        reason:
          'The broker owns these credentials: they change when the broker operator changes them on the broker, which a Secrets Manager rotation function cannot do. Production deployments pass their own secret with -c controlSecretArn.',
      });
      controlCredentials = { controlCredentialsSecret: secret };
    }

    let network: Pick<ClientsApiProps, 'vpc' | 'vpcSubnets'> = {};
    if (vpcId) {
      // A lookup: needs account and region (CDK_DEFAULT_ACCOUNT/REGION from credentials).
      const vpc = ec2.Vpc.fromLookup(this, 'Vpc', { vpcId });
      network = subnetIds?.length
        ? {
            vpc,
            vpcSubnets: { subnets: subnetIds.map((subnetId, i) => ec2.Subnet.fromSubnetId(this, `Subnet${i}`, subnetId)) },
          }
        : { vpc };
    }

    this.clientsApi = new ClientsApi(this, 'ClientsApi', {
      controlBrokerUrl: brokerUrl ?? PLACEHOLDER_BROKER_URL,
      ...controlCredentials,
      ...network,
      ...(controlTopicPrefix !== undefined ? { controlTopicPrefix } : {}),
      ...(kickConfirmTimeoutMs !== undefined ? { kickConfirmTimeoutMs } : {}),
      ...(sessionShards !== undefined ? { sessionShards } : {}),
    });

    new CfnOutput(this, 'ApiUrl', { value: this.clientsApi.url, description: 'Base URL of the clients API (SigV4, service execute-api)' });
    new CfnOutput(this, 'TableName', { value: this.clientsApi.table.tableName, description: 'The sessions table' });
    new CfnOutput(this, 'ControlCredentialsSecretArn', {
      value: this.clientsApi.controlCredentialsSecret.secretArn,
      description: 'Secret with the broker control channel credentials',
    });
  }

  private contextString(key: string): string | undefined {
    const value: unknown = this.node.tryGetContext(key);
    if (value === undefined || value === null || value === '') return undefined;
    return String(value);
  }

  private contextNumber(key: string): number | undefined {
    const value = this.contextString(key);
    if (value === undefined) return undefined;
    const n = Number(value);
    if (!Number.isFinite(n)) throw new Error(`context ${key} must be a number, got "${value}"`);
    return n;
  }
}
