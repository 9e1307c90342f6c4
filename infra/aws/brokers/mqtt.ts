/**
 * A broker reached through our MQTT control topic: kicks are published
 * there, and a broker-side component writes the sessions, so the stack adds
 * no ingest path. The kick reads one session and the control credentials.
 */
import { CLIENTS_API_DEFAULTS } from '../defaults.js';
import type { MqttBrokerSource } from '../clients-api-props.js';
import { givenSecret, grantSecretRead } from '../secrets.js';
import type { BrokerBinding, BrokerContext } from './binding.js';

export function bindMqttBroker(context: BrokerContext, broker: MqttBrokerSource): BrokerBinding {
  const credentials = givenSecret(context.scope, 'ControlCredentials', broker.credentialsSecret, broker.credentialsSecretArn, 'control channel credentials');
  return {
    kickPath: {
      via: 'mqtt',
      control: {
        brokerUrl: broker.url,
        credentialsSecretArn: credentials.secretArn,
        topicPrefix: broker.topicPrefix ?? CLIENTS_API_DEFAULTS.controlTopicPrefix,
      },
    },
    kickNetwork: context.network,
    grantKick: (kick) => {
      // The broker records the session's end itself: the kick only reads.
      context.sessions.bind(kick, 'read-item');
      grantSecretRead(kick, 'ReadControlCredentials', credentials);
    },
    controlCredentialsSecret: credentials,
    iotTopicRules: [],
  };
}
