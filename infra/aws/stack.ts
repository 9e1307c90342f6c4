/**
 * The deployable stack: the ClientsApi construct, configured from CDK context
 * so that `cdk synth` works offline with no context at all.
 *
 *   npx cdk deploy -c brokerUrl=mqtts://broker.internal:8883 \
 *     -c controlSecretArn=arn:aws:secretsmanager:...:secret:broker-control-AbCdEf \
 *     -c vpcId=vpc-0123 -c subnetIds=subnet-a,subnet-b -c sessionShards=16
 *   npx cdk deploy -c broker=emqx5 -c emqxApiUrl=https://emqx.internal:18084 \
 *     -c emqxApiSecretArn=arn:aws:secretsmanager:...:secret:emqx-api-AbCdEf
 *   npx cdk deploy -c broker=aws-iot -c iotPersistentSessions=true -c alarmEmail=oncall@example.com \
 *     -c iotDataEndpoint=abc123-ats.iot.eu-west-1.amazonaws.com
 *   npx cdk deploy -c broker=aws-iot -c iotDelivery=queue   # the rules' sqs action and a queue instead of the batched HTTP action
 */
import { Annotations, CfnOutput, Stack, Validations, type StackProps } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import type { Construct } from 'constructs';
import { AWS_IOT_DELIVERIES, type AwsIotDelivery } from '../../functions/config.js';
import { ClientsApi, type BrokerSource, type ClientsApiProps } from './clients-api.js';
import { CLIENTS_API_DEFAULTS } from './defaults.js';
import { fleetSizing } from './fleet-sizing.js';

/** Broker URL used when no `brokerUrl` context is given: synthesizes, but kicks cannot work. */
export const PLACEHOLDER_BROKER_URL = 'mqtts://broker.example.invalid:8883';

/** The context keys the stack reads (`cdk deploy -c key=value`). */
export const CONTEXT_KEYS = {
  brokerUrl: 'brokerUrl',
  controlSecretArn: 'controlSecretArn',
  controlTopicPrefix: 'controlTopicPrefix',
  kickConfirmTimeoutMs: 'kickConfirmTimeoutMs',
  sessionShards: 'sessionShards',
  /** Devices of the fleet: shards, ingest throttle, queue consumers and warm throughput follow it. */
  fleetSize: 'fleetSize',
  vpcId: 'vpcId',
  subnetIds: 'subnetIds',
  /** `mqtt` (default), `emqx5`, `emqx4` or `aws-iot`. */
  broker: 'broker',
  emqxApiUrl: 'emqxApiUrl',
  emqxApiSecretArn: 'emqxApiSecretArn',
  iotSessionExpirySeconds: 'iotSessionExpirySeconds',
  iotPersistentSessions: 'iotPersistentSessions',
  iotDataEndpoint: 'iotDataEndpoint',
  /** `queue` or `http`: how the AWS IoT rules hand events over (default CLIENTS_API_DEFAULTS.awsIotDelivery). */
  iotDelivery: 'iotDelivery',
  /** E-mail address subscribed to the alarm topic. */
  alarmEmail: 'alarmEmail',
  /** `true` for the first deploy of the username index upgrade (DEPLOY.md, "Upgrading"). */
  keepRetiredUsernameIndex: 'keepRetiredUsernameIndex',
} as const;

/** EMQX API URL used when no `emqxApiUrl` context is given: synthesizes, but kicks and reconciliation cannot work. */
export const PLACEHOLDER_EMQX_API_URL = 'https://emqx.example.invalid:18084';

export class ClientsApiStack extends Stack {
  public readonly clientsApi: ClientsApi;

  constructor(scope: Construct, id: string, props?: StackProps) {
    super(scope, id, props);

    const brokerUrl = this.contextString(CONTEXT_KEYS.brokerUrl);
    const controlSecretArn = this.contextString(CONTEXT_KEYS.controlSecretArn);
    const controlTopicPrefix = this.contextString(CONTEXT_KEYS.controlTopicPrefix);
    const kickConfirmTimeoutMs = this.contextNumber(CONTEXT_KEYS.kickConfirmTimeoutMs);
    const sessionShards = this.contextNumber(CONTEXT_KEYS.sessionShards);
    const fleetSize = this.contextNumber(CONTEXT_KEYS.fleetSize);
    const alarmEmail = this.contextString(CONTEXT_KEYS.alarmEmail);
    const vpcId = this.contextString(CONTEXT_KEYS.vpcId);
    const subnetIds = this.contextString(CONTEXT_KEYS.subnetIds)
      ?.split(',')
      .map((s) => s.trim())
      .filter((s) => s !== '');

    const kind = this.contextString(CONTEXT_KEYS.broker) ?? 'mqtt';
    let broker: BrokerSource;
    if (kind === 'mqtt') {
      broker = this.mqttBroker(brokerUrl, controlSecretArn, controlTopicPrefix);
    } else if (kind === 'emqx5' || kind === 'emqx4') {
      broker = this.emqxBroker(kind);
    } else if (kind === 'aws-iot') {
      const expiry = this.contextNumber(CONTEXT_KEYS.iotSessionExpirySeconds);
      const endpoint = this.contextString(CONTEXT_KEYS.iotDataEndpoint);
      const delivery = this.contextString(CONTEXT_KEYS.iotDelivery);
      if (delivery !== undefined && !(AWS_IOT_DELIVERIES as readonly string[]).includes(delivery)) {
        throw new Error(`context ${CONTEXT_KEYS.iotDelivery} must be ${AWS_IOT_DELIVERIES.join(' or ')}, got "${delivery}"`);
      }
      broker = {
        kind,
        ...(delivery ? { delivery: delivery as AwsIotDelivery } : {}),
        persistentSessions: this.contextString(CONTEXT_KEYS.iotPersistentSessions) === 'true',
        ...(expiry !== undefined ? { sessionExpirySeconds: expiry } : {}),
        ...(endpoint ? { iotDataEndpoint: endpoint } : {}),
      };
    } else {
      throw new Error(`context ${CONTEXT_KEYS.broker} must be mqtt, emqx5, emqx4 or aws-iot, got "${kind}"`);
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

    if (sessionShards === undefined) this.warnOfDerivedShards(fleetSize);

    this.clientsApi = new ClientsApi(this, 'ClientsApi', {
      broker,
      ...network,
      ...(kickConfirmTimeoutMs !== undefined ? { kickConfirmTimeoutMs } : {}),
      ...(sessionShards !== undefined ? { sessionShards } : {}),
      ...(fleetSize !== undefined ? { fleetSize } : {}),
      ...(alarmEmail ? { monitoring: { alarmEmail } } : {}),
      ...(this.contextFlag(CONTEXT_KEYS.keepRetiredUsernameIndex) ? { keepRetiredUsernameIndex: true } : {}),
    });

    new CfnOutput(this, 'ApiUrl', {
      value: this.clientsApi.url,
      description: 'Base URL of the clients API (native routes: SigV4, service execute-api; /api/v4 and /api/v5: HTTP Basic app credentials)',
    });
    new CfnOutput(this, 'DeadLetterQueueUrl', {
      value: this.clientsApi.deadLetterQueue.queueUrl,
      description: 'Failed asynchronous invocations and IoT rule deliveries (DEPLOY.md, "After deploying": inspect and replay)',
    });
    new CfnOutput(this, 'AlarmTopicArn', { value: this.clientsApi.alarmTopic.topicArn, description: 'The topic every alarm notifies' });
    new CfnOutput(this, 'DashboardName', { value: this.clientsApi.dashboard.dashboardName, description: 'The CloudWatch dashboard of the stack' });
    new CfnOutput(this, 'TableName', { value: this.clientsApi.table.tableName, description: 'The sessions table' });
    new CfnOutput(this, 'AppsTableName', {
      value: this.clientsApi.appsTable.tableName,
      description: 'The apps of /api/v4 and /api/v5: npm run apps -- --table <this> --region <region> create <name>',
    });
    if (this.clientsApi.controlCredentialsSecret) {
      new CfnOutput(this, 'ControlCredentialsSecretArn', {
        value: this.clientsApi.controlCredentialsSecret.secretArn,
        description: 'Secret with the broker control channel credentials',
      });
    }
    if (this.clientsApi.brokerApiCredentialsSecret) {
      new CfnOutput(this, 'EmqxApiCredentialsSecretArn', {
        value: this.clientsApi.brokerApiCredentialsSecret.secretArn,
        description: 'Secret with the EMQX REST API credentials {"key","secret"} the kick and reconcile functions use',
      });
    }
    if (kind === 'mqtt') {
      new CfnOutput(this, 'BrokerWriterPolicyArn', {
        value: this.clientsApi.brokerWriterPolicy().managedPolicyArn,
        description: 'Managed policy for the role of broker nodes running npm run broker: writes to the sessions table, nothing else',
      });
    }
    if (this.clientsApi.ingestUrl) {
      new CfnOutput(this, 'IngestUrl', {
        value: this.clientsApi.ingestUrl.url,
        description: 'Where EMQX posts its events (bearer token; no API Gateway charge); POST /ingest/emqx on ApiUrl takes them too',
      });
    }
    if (this.clientsApi.iotEventsQueue && this.clientsApi.iotEventsDeadLetterQueue) {
      new CfnOutput(this, 'IotEventsQueueUrl', { value: this.clientsApi.iotEventsQueue.queueUrl, description: 'The queue the AWS IoT lifecycle rules send to' });
      new CfnOutput(this, 'IotEventsDeadLetterQueueUrl', {
        value: this.clientsApi.iotEventsDeadLetterQueue.queueUrl,
        description: 'AWS IoT events the ingest function failed to store five times (DEPLOY.md, "After deploying": inspect and replay)',
      });
    }
    if (this.clientsApi.iotEventsUrl && this.clientsApi.iotEventsDestination) {
      new CfnOutput(this, 'IotEventsUrl', { value: this.clientsApi.iotEventsUrl.url, description: 'Where the AWS IoT lifecycle rules post their batches (bearer token)' });
      new CfnOutput(this, 'IotEventsDestinationArn', {
        value: this.clientsApi.iotEventsDestination.attrArn,
        description: 'The topic rule destination of IotEventsUrl: ENABLED once the ingest function confirmed it (DEPLOY.md, "AWS IoT: the batched HTTP delivery")',
      });
    }
    if (this.clientsApi.ingestTokenSecret) {
      new CfnOutput(this, 'IngestTokenSecretArn', {
        value: this.clientsApi.ingestTokenSecret.secretArn,
        description: 'Secret with the bearer token EMQX sends to POST /ingest/emqx',
      });
    }
  }

  /**
   * The shards are part of every index key: a table deployed with other
   * shards (8, the default before `fleetSize` defaulted to 10 million) keeps
   * them, and only the operator knows what it holds.
   */
  private warnOfDerivedShards(fleetSize: number | undefined): void {
    const shards = fleetSizing(fleetSize ?? CLIENTS_API_DEFAULTS.fleetSize).shards;
    Annotations.of(this).addWarningV2(
      'clients-api:derived-shards',
      `No -c ${CONTEXT_KEYS.sessionShards}=...: ${shards} shards from fleetSize. A sessions table already deployed keeps the shards it was written with: pass them (-c ${CONTEXT_KEYS.sessionShards}=8 for a stack deployed with the earlier default), DEPLOY.md "Upgrading".`,
    );
  }

  private mqttBroker(brokerUrl: string | undefined, controlSecretArn: string | undefined, topicPrefix: string | undefined): BrokerSource {
    if (!brokerUrl) {
      Annotations.of(this).addWarningV2(
        'clients-api:placeholder-broker',
        `No -c ${CONTEXT_KEYS.brokerUrl}=...: the kick function points at ${PLACEHOLDER_BROKER_URL} and DELETE /clients/{clientid} cannot work.`,
      );
    }
    const base = { kind: 'mqtt' as const, url: brokerUrl ?? PLACEHOLDER_BROKER_URL, ...(topicPrefix !== undefined ? { topicPrefix } : {}) };
    if (controlSecretArn) return { ...base, credentialsSecretArn: controlSecretArn };
    const secret = this.brokerOwnedSecret(
      'ControlCredentials',
      'Broker control channel credentials {"username","password"} of the clients API. Created because no controlSecretArn was given: put the broker credentials here.',
      { username: 'clients-api' },
      'password',
      'The broker owns these credentials: they change when the broker operator changes them on the broker, which a Secrets Manager rotation function cannot do. Production deployments pass their own secret with -c controlSecretArn.',
    );
    return { ...base, credentialsSecret: secret };
  }

  private emqxBroker(kind: 'emqx5' | 'emqx4'): BrokerSource {
    const apiUrl = this.contextString(CONTEXT_KEYS.emqxApiUrl);
    const secretArn = this.contextString(CONTEXT_KEYS.emqxApiSecretArn);
    if (!apiUrl) {
      Annotations.of(this).addWarningV2(
        'clients-api:placeholder-emqx',
        `No -c ${CONTEXT_KEYS.emqxApiUrl}=...: kicks and reconciliation point at ${PLACEHOLDER_EMQX_API_URL} and cannot work.`,
      );
    }
    const base = { kind, apiUrl: apiUrl ?? PLACEHOLDER_EMQX_API_URL };
    if (secretArn) return { ...base, apiCredentialsSecretArn: secretArn };
    const secret = this.brokerOwnedSecret(
      'EmqxApiCredentials',
      `${kind} REST API credentials {"key","secret"} of the clients API. Created because no emqxApiSecretArn was given: put an API key (EMQX 5) or application id and secret (EMQX 4) here.`,
      { key: 'clients-api' },
      'secret',
      'EMQX owns these credentials: they change when the EMQX operator changes the API key, which a Secrets Manager rotation function cannot do. Production deployments pass their own secret with -c emqxApiSecretArn.',
    );
    return { ...base, apiCredentialsSecret: secret };
  }

  /** A placeholder for credentials the broker's operator owns (and so rotates): generated, to be overwritten. */
  private brokerOwnedSecret(id: string, description: string, template: Record<string, string>, generatedKey: string, whyNoRotation: string): secretsmanager.Secret {
    const secret = new secretsmanager.Secret(this, id, {
      description,
      generateSecretString: {
        secretStringTemplate: JSON.stringify(template),
        generateStringKey: generatedKey,
        excludePunctuation: true,
        passwordLength: 32,
      },
    });
    Validations.of(secret).acknowledge({ id: 'AwsSolutions-SMG4', reason: whyNoRotation });
    return secret;
  }

  private contextString(key: string): string | undefined {
    const value: unknown = this.node.tryGetContext(key);
    if (value === undefined || value === null || value === '') return undefined;
    return String(value);
  }

  private contextFlag(key: string): boolean {
    const value = this.contextString(key);
    if (value === undefined || value === 'false') return false;
    if (value === 'true') return true;
    throw new Error(`context ${key} must be true or false, got "${value}"`);
  }

  private contextNumber(key: string): number | undefined {
    const value = this.contextString(key);
    if (value === undefined) return undefined;
    const n = Number(value);
    if (!Number.isFinite(n)) throw new Error(`context ${key} must be a number, got "${value}"`);
    return n;
  }
}
