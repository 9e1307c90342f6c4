/** mqtt.js (with its streams, ws, socks and mqtt-packet): needed only by a kick over MQTT. */
export { connect } from 'mqtt';
