/** The binding of the configured broker kind. */
import type { BrokerSource } from '../clients-api-props.js';
import { bindAwsIotBroker } from './aws-iot.js';
import type { BrokerBinding, BrokerContext } from './binding.js';
import { bindEmqxBroker } from './emqx.js';
import { bindMqttBroker } from './mqtt.js';

export type { BrokerBinding, BrokerContext, BrokerNetwork } from './binding.js';
export { AWS_IOT_RULE_SQL } from './aws-iot.js';

export function bindBroker(context: BrokerContext, broker: BrokerSource): BrokerBinding {
  switch (broker.kind) {
    case 'mqtt':
      return bindMqttBroker(context, broker);
    case 'emqx5':
    case 'emqx4':
      return bindEmqxBroker(context, broker);
    case 'aws-iot':
      return bindAwsIotBroker(context, broker);
  }
}
