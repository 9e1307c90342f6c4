/** A `#` in a node name would make two connections one (a connection key is `<ms>#<node>#<conn_id>`): no setting takes it. */
import { describe, expect, it } from 'vitest';
import { loadAwsIotIngestConfig } from '../../functions/config.js';
import { loadSettings } from '../../infra/local/settings.js';

const table = { TABLE_NAME: 'sessions', INGEST_TOKEN: 'a-token-of-enough-length-0123456789' };

describe('node names', () => {
  it('refuses AWS_IOT_NODE with a #, and takes one without', () => {
    expect(() => loadAwsIotIngestConfig({ ...table, AWS_IOT_NODE: 'aws-iot#eu' })).toThrow(/AWS_IOT_NODE must not contain #/);
    expect(loadAwsIotIngestConfig({ ...table, AWS_IOT_NODE: 'aws-iot@eu-west-1' }).node).toBe('aws-iot@eu-west-1');
  });

  it('refuses the local NODE_NAME with a #', () => {
    expect(() => loadSettings({ NODE_NAME: 'local#1' })).toThrow(/NODE_NAME must not contain #/);
    expect(loadSettings({ NODE_NAME: 'local@127.0.0.1' }).NODE_NAME).toBe('local@127.0.0.1');
  });
});
