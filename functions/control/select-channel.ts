/**
 * The kick channel `KICK_VIA` names. Each is loaded on the first kick, so a
 * function instance pays at cold start only for the channel it uses.
 */
import type { KickConfig } from '../config.js';
import type { BrokerApi } from './broker-api.js';
import type { ControlChannel, ControlCommand } from './channel.js';

class LazyChannel implements ControlChannel {
  private channel: Promise<ControlChannel> | undefined;

  constructor(private readonly create: () => Promise<ControlChannel>) {}

  async send(command: ControlCommand): Promise<void> {
    this.channel ??= this.create().catch((error: unknown) => {
      this.channel = undefined;
      throw error;
    });
    await (await this.channel).send(command);
  }
}

export function controlChannelFor(config: KickConfig): ControlChannel {
  switch (config.via) {
    case 'mqtt': {
      const control = config.control!;
      return new LazyChannel(async () => {
        const [{ MqttControlChannel }, { credentialsSource }] = await Promise.all([import('./mqtt-channel.js'), import('./credentials.js')]);
        return new MqttControlChannel({
          url: control.brokerUrl,
          topicPrefix: control.topicPrefix,
          timeoutMs: control.pubackTimeoutMs,
          credentials: credentialsSource(control),
        });
      });
    }
    case 'emqx5':
    case 'emqx4': {
      const emqx = config.emqx!;
      return new LazyChannel(async () => {
        const [{ EmqxControlChannel }, { emqxApiCredentials }] = await Promise.all([
          import('./emqx-channel.js'),
          import('../sources/emqx/api-credentials.js'),
        ]);
        return new EmqxControlChannel({
          dialect: emqx.dialect,
          baseUrl: emqx.baseUrl,
          credentials: emqxApiCredentials(emqx),
          timeoutMs: emqx.timeoutMs,
        });
      });
    }
    case 'aws-iot':
      return new LazyChannel(async () => {
        const { AwsIotControlChannel } = await import('./aws-iot-channel.js');
        return new AwsIotControlChannel({
          region: config.region,
          ...(config.iotDataEndpoint ? { endpoint: config.iotDataEndpoint } : {}),
          timeoutMs: config.brokerTimeoutMs,
        });
      });
  }
}

/** The broker's management API, where `KICK_VIA` names a broker that has one (EMQX); loaded on first use. */
export function brokerApiFor(config: KickConfig): (() => Promise<BrokerApi>) | undefined {
  if (config.via !== 'emqx5' && config.via !== 'emqx4') return undefined;
  const emqx = config.emqx!;
  let api: Promise<BrokerApi> | undefined;
  return () =>
    (api ??= Promise.all([import('./emqx-broker-api.js'), import('../sources/emqx/api-credentials.js')]).then(
      ([{ EmqxBrokerApi }, { emqxApiCredentials }]) =>
        new EmqxBrokerApi({
          dialect: emqx.dialect,
          baseUrl: emqx.baseUrl,
          credentials: emqxApiCredentials(emqx),
          timeoutMs: emqx.timeoutMs,
        }),
    ));
}
