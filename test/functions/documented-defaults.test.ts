/**
 * The defaults and limits README.md promises, read from the README itself and
 * compared with what the code does, so that neither can change alone.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseClientIdList } from '../../functions/clients/bulk-kick.js';
import { parseClientId } from '../../functions/clients/client-id.js';
import { parseClientQuery } from '../../functions/clients/query-params.js';
import { loadAwsIotIngestConfig, loadKickConfig, loadTableConfig } from '../../functions/config.js';
import { Failure } from '../../functions/failures.js';
import { toApiError, type ApiError } from '../../functions/http/errors.js';
import type { ConnectionInfo } from '../../functions/sessions/model.js';
import type { SourceEvent } from '../../functions/sessions/source-events.js';
import { parseAwsIotEvent } from '../../functions/sources/aws-iot/lifecycle.js';
import { parseEmqxWebhook } from '../../functions/sources/emqx/webhook.js';

const README = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
/** The README's prose with every line break and run of spaces as one space, as it reads. */
const PROSE = README.replace(/\s+/g, ' ');

/** The first capture group of `pattern` in the README's prose; fails the test when the README no longer says it. */
function documented(pattern: RegExp): string {
  const match = pattern.exec(PROSE);
  if (!match?.[1]) throw new Error(`README.md no longer matches ${pattern}`);
  return match[1];
}

/** A number as the README spells it: `100,000` or `3000`. */
const documentedNumber = (pattern: RegExp) => Number(documented(pattern).replace(/,/g, ''));

/** The value column of a row of a README table whose first cell names `variable` (as `VARIABLE`). */
function tableDefault(variable: string): string {
  const row = new RegExp(`^\\| \`${variable}\` \\| \`([^\`]+)\` \\|`, 'm').exec(README);
  if (!row?.[1]) throw new Error(`README.md has no row for ${variable}`);
  return row[1];
}

/** Values of a row whose first cell names two variables (`A` / `B`), as `x` / `y`. */
function pairedTableDefaults(first: string, second: string): [string, string] {
  const row = new RegExp(`^\\| \`${first}\` / \`${second}\` \\| \`([^\`]+)\` / \`([^\`]+)\` \\|`, 'm').exec(README);
  if (!row?.[1] || !row[2]) throw new Error(`README.md has no row for ${first} / ${second}`);
  return [row[1], row[2]];
}

function refusal(run: () => unknown): ApiError {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(Failure);
    return toApiError(error);
  }
  throw new Error('accepted');
}

function expectRefused(run: () => unknown, parameter: string) {
  const error = refusal(run);
  expect(error.status).toBe(400);
  expect(error.code).toBe(108);
  expect(error.message).toContain(parameter);
}

/** The smallest environment each configuration accepts: every other setting takes its default. */
const TABLE_ENV = { TABLE_NAME: 'sessions', AWS_REGION: 'eu-west-1' };

describe('GET /clients paging, as README.md documents it', () => {
  const [minLimit, maxLimit, defaultLimit] = documented(/- `_limit`: (\d+ to [\d,]+, default [\d,]+)/)
    .split(/ to |, default /)
    .map((n) => Number(n.replace(/,/g, '')));

  it('_limit: its documented default, range and refusal outside it', () => {
    expect(parseClientQuery('').limit).toBe(defaultLimit);
    expect(parseClientQuery(`_limit=${minLimit}`).limit).toBe(minLimit);
    expect(parseClientQuery(`_limit=${maxLimit}`).limit).toBe(maxLimit);
    expectRefused(() => parseClientQuery(`_limit=${maxLimit! + 1}`), '_limit');
    expectRefused(() => parseClientQuery(`_limit=${minLimit! - 1}`), '_limit');
  });

  it('_page: its documented default, and the documented depth of offset paging', () => {
    expect(parseClientQuery('').page).toBe(Number(documented(/- `_page`: default (\d+)\./)));
    const maxRows = documentedNumber(/refused \(400\) beyond the first ([\d,]+) rows/);
    const limit = 100;
    const lastPage = maxRows / limit + 1;
    expect(parseClientQuery(`_limit=${limit}&_page=${lastPage}`).page).toBe(lastPage);
    expectRefused(() => parseClientQuery(`_limit=${limit}&_page=${lastPage + 1}`), '_page');
  });

  it('clientid and username: as many values as documented, not one more', () => {
    const most = documentedNumber(/repeat the parameter for "any of these" \(at most ([\d,]+)\)/);
    for (const name of ['clientid', 'username']) {
      const values = (n: number) => Array.from({ length: n }, (_, i) => `${name}=v${i}`).join('&');
      expect(parseClientQuery(values(most)).filter[name === 'clientid' ? 'clientids' : 'usernames']).toHaveLength(most);
      expectRefused(() => parseClientQuery(values(most + 1)), name);
    }
  });
});

describe('client ids, as README.md documents them', () => {
  it('a path clientid may be any UTF-8 string of up to the documented bytes', () => {
    const bytes = documentedNumber(/may be any UTF-8 string of up to ([\d,]+) bytes/);
    const longest = 'é'.repeat(bytes / 2);
    expect(parseClientId(longest)).toBe(longest);
    expectRefused(() => parseClientId(`${longest}a`), 'clientid');
  });

  it('a bulk kick takes the documented number of clientids', () => {
    const [fewest, most] = documented(/body: a JSON array of (\d+ to \d+) clientids/).split(' to ').map(Number);
    const ids = (n: number) => JSON.stringify(Array.from({ length: n }, (_, i) => `c${i}`));
    expect(parseClientIdList(ids(fewest!))).toHaveLength(fewest!);
    expect(parseClientIdList(ids(most!))).toHaveLength(most!);
    expectRefused(() => parseClientIdList(ids(most! + 1)), 'body');
    expectRefused(() => parseClientIdList(ids(fewest! - 1)), 'body');
  });
});

describe('configuration defaults, as README.md documents them', () => {
  it('SESSION_SHARDS', () => {
    const shards = Number(documented(/`SESSION_SHARDS` shards, default (\d+)/));
    expect(Number(pairedTableDefaults('TABLE_NAME', 'SESSION_SHARDS')[1])).toBe(shards);
    expect(loadTableConfig(TABLE_ENV).shards).toBe(shards);
  });

  it('the control channel: topic prefix, PUBACK and confirmation timeouts', () => {
    const config = loadKickConfig({ ...TABLE_ENV, CONTROL_BROKER_URL: 'mqtts://broker.internal:8883' });
    const [puback, confirm] = pairedTableDefaults('CONTROL_PUBACK_TIMEOUT_MS', 'KICK_CONFIRM_TIMEOUT_MS').map(Number);
    expect(config.via).toBe('mqtt');
    expect(config.control?.pubackTimeoutMs).toBe(puback);
    expect(config.control?.confirmTimeoutMs).toBe(confirm);
    expect(config.confirmTimeoutMs).toBe(confirm);
    // The API section says it in seconds.
    expect(config.confirmTimeoutMs).toBe(Number(documented(/then waits \((\d+) s by default\)/)) * 1000);
    const prefix = documented(/prefix default `([^`]+)`/);
    expect(tableDefault('CONTROL_TOPIC_PREFIX')).toBe(prefix);
    expect(config.control?.topicPrefix).toBe(prefix);
  });

  it('BROKER_TIMEOUT_MS of kicks through a broker API', () => {
    const config = loadKickConfig({ ...TABLE_ENV, KICK_VIA: 'emqx5', EMQX_API_URL: 'https://emqx.internal:18083', EMQX_API_KEY: 'k', EMQX_API_SECRET: 's' });
    const timeout = Number(documented(/`BROKER_TIMEOUT_MS` \(default (\d+)\)/));
    expect(config.brokerTimeoutMs).toBe(timeout);
    expect(config.emqx?.timeoutMs).toBe(timeout);
  });

  it('AWS IoT: the session expiry and the node name', () => {
    const config = loadAwsIotIngestConfig(TABLE_ENV);
    expect(config.sessionExpirySeconds).toBe(Number(documented(/`AWS_IOT_SESSION_EXPIRY_SECONDS` \((\d+)\)/)));
    expect(config.persistentSessions).toBe(false);
    const node = documented(/node `(aws-iot@)<region>`/);
    expect(config.node).toBe(`${node}${TABLE_ENV.AWS_REGION}`);
  });
});

/**
 * The literal values (in backticks) of each source's cell in the README's
 * "What each source fills" row that starts with `fields`: own node, EMQX 5,
 * EMQX 4.4, AWS IoT.
 */
function sourceFills(fields: string): Record<'own' | 'emqx5' | 'emqx4' | 'awsIot', unknown[]> {
  const line = README.split('\n').find((l) => l.startsWith(`| ${fields} |`));
  if (!line) throw new Error(`README.md has no "What each source fills" row for ${fields}`);
  const cells = line.split(' | ').slice(1).map((cell) => [...cell.matchAll(/`([^`]+)`/g)].map((m) => literal(m[1]!)));
  const [own, emqx5, emqx4, awsIot] = cells as [unknown[], unknown[], unknown[], unknown[]];
  return { own, emqx5, emqx4, awsIot };
}

/** `0`, `false`, `null` as values; anything else as the text it is. */
function literal(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

const fixture = (name: string) => JSON.parse(readFileSync(new URL(`../fixtures/${name}`, import.meta.url), 'utf8')) as Record<string, unknown>;

/** The connection of the one connect a source body stands for (AWS IoT's resolved against no stored session). */
function connectionOf(events: readonly SourceEvent[]): ConnectionInfo {
  const [event] = events;
  const connect = event?.type === 'resolve' ? event.resolve(undefined) : event;
  if (connect?.type !== 'connected') throw new Error('the body is not one connect');
  return connect.conn;
}

describe('what each source fills, as README.md documents it', () => {
  const emqx5 = connectionOf(parseEmqxWebhook(fixture('emqx5-events.json').connected, 1764318000000));
  // A 4.4 connect carrying only the fields 4.4 always sends.
  const emqx4 = connectionOf(parseEmqxWebhook(fixture('emqx4-events.json').client_connected_missing_optional, 1764318000000));
  const awsIot = connectionOf(
    parseAwsIotEvent(fixture('aws-iot-events.json').connected, { node: 'aws-iot@eu-west-1', sessionExpirySeconds: 3600, persistentSessions: false }),
  );
  const pick = (conn: ConnectionInfo, fields: ReadonlyArray<keyof ConnectionInfo>) => fields.map((f) => conn[f]);

  it('zone', () => {
    const zone = sourceFills('`zone`');
    expect([emqx5.zone]).toEqual(zone.emqx5);
    expect([emqx4.zone]).toEqual(zone.emqx4);
    expect([awsIot.zone]).toEqual(zone.awsIot);
  });

  it('port, is_bridge and mountpoint of EMQX 4.4 and AWS IoT connections', () => {
    const fills = sourceFills('`port`, `is_bridge`, `mountpoint`');
    const fields = ['port', 'is_bridge', 'mountpoint'] as const;
    expect(pick(emqx4, fields)).toEqual(fills.emqx4.slice(0, 3));
    expect(pick(awsIot, fields)).toEqual(fills.awsIot);
  });

  it('clean_start and expiry_interval of an EMQX 4.4 connection; keepalive and protocol of an AWS IoT one', () => {
    expect(pick(emqx4, ['clean_start', 'expiry_interval'])).toEqual(sourceFills('`clean_start`, `expiry_interval`').emqx4);
    expect([awsIot.keepalive]).toEqual(sourceFills('`keepalive`').awsIot);
    const protocol = sourceFills('`proto_name` / `proto_ver`');
    expect(pick(awsIot, ['proto_name', 'proto_ver'])).toEqual(protocol.awsIot);
    expect(emqx4.proto_name).toBe(protocol.emqx4[0]);
  });
});
