/**
 * The two deploys that give a table made before `by-username-key` its new
 * username index (DEPLOY.md, "Upgrading"). CloudFormation refuses an update
 * that creates or deletes more than one global secondary index, and replaces
 * a table whose logical ID changes: each step must change exactly one index
 * of the same table, and the step with `-c keepRetiredUsernameIndex=true`
 * must keep the old index exactly as deployed stacks hold it.
 *
 * Bundling is skipped (`aws:cdk:bundling-stacks`): the table does not depend on the bundles.
 */
import { describe, expect, it } from 'vitest';
import { App } from 'aws-cdk-lib';
import { SESSIONS_TABLE } from '../../functions/sessions/table.js';
import { ClientsApiStack } from '../../infra/aws/stack.js';

type Json = Record<string, unknown>;
type Index = { IndexName: string } & Json;
type Resource = { Type: string; Properties: Json };

const SYNTH_TIMEOUT = 240_000;
/** The sessions table's logical ID in deployed stacks (logical-ids.test.ts). */
const TABLE_ID = 'ClientsApiSessionsTable916A234C';

/** `by-username` as stacks deployed before `by-username-key` hold it: a literal, for it must never change. */
const DEPLOYED_USERNAME_INDEX: Index = {
  IndexName: 'by-username',
  KeySchema: [
    { AttributeName: 'user_pk', KeyType: 'HASH' },
    { AttributeName: 'order_key', KeyType: 'RANGE' },
  ],
  Projection: {
    ProjectionType: 'INCLUDE',
    NonKeyAttributes: ['conn_key', 'node', 'username', 'zone', 'ip_address', 'conn_state', 'clean_start', 'proto_name', 'proto_ver', 'connected_at', 'created_at', 'expires_at'],
  },
};

function synth(context: Record<string, string>) {
  const app = new App({ context: { ...context, 'aws:cdk:bundling-stacks': [] } });
  const stack = new ClientsApiStack(app, 'Deployed');
  const resources = app.synth().getStackArtifact(stack.artifactId).template.Resources as Record<string, Resource>;
  const table = resources[TABLE_ID];
  if (!table || table.Type !== 'AWS::DynamoDB::Table') throw new Error(`no sessions table ${TABLE_ID}`);
  const policies = Object.values(resources).filter((r) => r.Type === 'AWS::IAM::Policy' || r.Type === 'AWS::IAM::ManagedPolicy');
  return { table: table.Properties, indexes: table.Properties.GlobalSecondaryIndexes as Index[], policies: JSON.stringify(policies) };
}

/** The indexes one update creates or deletes; an index kept must be kept unchanged. */
function indexChanges(from: Index[], to: Index[]) {
  const byName = (list: Index[]) => new Map(list.map((index) => [index.IndexName, index]));
  const before = byName(from);
  const after = byName(to);
  for (const [name, index] of after) if (before.has(name)) expect(index, name).toEqual(before.get(name));
  return {
    created: [...after.keys()].filter((name) => !before.has(name)),
    deleted: [...before.keys()].filter((name) => !after.has(name)),
  };
}

describe('the username index upgrade', () => {
  it(
    'adds by-username-key in the first deploy and deletes by-username in the second, one index each, on the same table',
    () => {
      const transitional = synth({ keepRetiredUsernameIndex: 'true' });
      const final = synth({});
      const newIndex = SESSIONS_TABLE.indexes.byUsername.indexName;
      expect(transitional.indexes.find((i) => i.IndexName === 'by-username')).toEqual(DEPLOYED_USERNAME_INDEX);
      expect(final.indexes.map((i) => i.IndexName)).not.toContain('by-username');
      // What a stack of before holds: the transitional indexes less the new one.
      const deployed = transitional.indexes.filter((i) => i.IndexName !== newIndex);
      expect(indexChanges(deployed, transitional.indexes)).toEqual({ created: [newIndex], deleted: [] });
      expect(indexChanges(transitional.indexes, final.indexes)).toEqual({ created: [], deleted: ['by-username'] });
      // Straight from before to the final template would create one and delete another: CloudFormation refuses it.
      expect(indexChanges(deployed, final.indexes)).toEqual({ created: [newIndex], deleted: ['by-username'] });
      // Nothing else of the table changes (a changed key schema would replace it).
      const { GlobalSecondaryIndexes: _a, ...transitionalRest } = transitional.table;
      const { GlobalSecondaryIndexes: _b, ...finalRest } = final.table;
      expect(transitionalRest).toEqual(finalRest);
      // Nothing reads the retired index: no function is granted it.
      expect(transitional.policies).toContain(`/index/${newIndex}"`);
      expect(transitional.policies).not.toContain('/index/by-username"');
    },
    SYNTH_TIMEOUT,
  );

  it('fails the synth for a keepRetiredUsernameIndex that is not true or false', () => {
    expect(() => synth({ keepRetiredUsernameIndex: 'yes' })).toThrow('context keepRetiredUsernameIndex must be true or false, got "yes"');
  });
});
