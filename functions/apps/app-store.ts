/**
 * The apps of the EMQX-compatible surfaces: created with a random id and
 * secret (the secret shown once, kept only as a hash), listed, revoked.
 */
import { randomBytes } from 'node:crypto';
import { GetCommand, PutCommand, ScanCommand, UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { hashSecret, secretMatches, type SecretHash } from './secret-hash.js';

export type App = { app_id: string; name: string; created_at: number; revoked_at?: number };
type AppItem = App & { secret: SecretHash };

/** Ids look like EMQX's app ids; secrets carry 192 random bits. */
export const newAppId = () => randomBytes(6).toString('hex');
const newSecret = () => randomBytes(24).toString('base64url');

const withoutSecret = ({ secret: _secret, ...app }: AppItem): App => app;

export class AppStore {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  /** A new app; its secret is in the answer and nowhere else. */
  async create(name: string, now = Date.now()): Promise<App & { secret: string }> {
    const app: App = { app_id: newAppId(), name, created_at: now };
    const secret = newSecret();
    await this.db.send(
      new PutCommand({
        TableName: this.tableName,
        Item: { ...app, secret: await hashSecret(secret) },
        ConditionExpression: 'attribute_not_exists(app_id)',
      }),
    );
    return { ...app, secret };
  }

  async get(appId: string): Promise<(App & { secret: SecretHash }) | undefined> {
    const { Item } = await this.db.send(new GetCommand({ TableName: this.tableName, Key: { app_id: appId }, ConsistentRead: true }));
    return Item as AppItem | undefined;
  }

  /** Every app, revoked ones included, oldest first (a small table: a paged Scan). */
  async list(): Promise<App[]> {
    const apps: App[] = [];
    let startKey: Record<string, unknown> | undefined;
    do {
      const page = await this.db.send(new ScanCommand({ TableName: this.tableName, ExclusiveStartKey: startKey }));
      for (const item of page.Items ?? []) apps.push(withoutSecret(item as AppItem));
      startKey = page.LastEvaluatedKey;
    } while (startKey);
    return apps.sort((a, b) => a.created_at - b.created_at || (a.app_id < b.app_id ? -1 : 1));
  }

  /** Revokes the app; false if there is no such app. */
  async revoke(appId: string, now = Date.now()): Promise<boolean> {
    try {
      await this.db.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: { app_id: appId },
          UpdateExpression: 'SET revoked_at = if_not_exists(revoked_at, :now)',
          ConditionExpression: 'attribute_exists(app_id)',
          ExpressionAttributeValues: { ':now': now },
        }),
      );
      return true;
    } catch (error) {
      if ((error as Error).name === 'ConditionalCheckFailedException') return false;
      throw error;
    }
  }
}

let decoy: Promise<SecretHash> | undefined;

/**
 * Whether the id and secret name an active app. An unknown or revoked id
 * costs the same hash as a known one, so the time taken tells nothing.
 */
export async function isActiveApp(app: AppItem | undefined, secret: string): Promise<boolean> {
  if (!app || app.revoked_at !== undefined) {
    await secretMatches(secret, await (decoy ??= hashSecret(newSecret())));
    return false;
  }
  return secretMatches(secret, app.secret);
}
