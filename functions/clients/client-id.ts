/** The clientid path parameter. */
import { invalidParameter } from '../failures.js';
import { MAX_PARTITION_KEY_BYTES, utf8Length } from '../sessions/keys.js';

/**
 * API Gateway hands the path parameter over URL-decoded; any UTF-8 string a
 * table key can hold is a clientid here. MQTT forbids U+0000 in it.
 */
export function parseClientId(value: string | undefined, parameter = 'clientid'): string {
  if (value === undefined || value === '') throw invalidParameter(parameter, 'a non-empty string');
  if (utf8Length(value) > MAX_PARTITION_KEY_BYTES) {
    throw invalidParameter(parameter, `a string of at most ${MAX_PARTITION_KEY_BYTES} UTF-8 bytes`);
  }
  if (value.includes('\u0000') || !value.isWellFormed()) {
    throw invalidParameter(parameter, 'well-formed UTF-8 without U+0000');
  }
  return value;
}
