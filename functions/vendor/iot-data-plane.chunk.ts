/** The AWS IoT data plane client: needed only by a kick through AWS IoT Core. */
export { DeleteConnectionCommand, IoTDataPlaneClient } from '@aws-sdk/client-iot-data-plane';
