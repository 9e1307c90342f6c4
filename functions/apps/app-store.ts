/**
 * The apps of the EMQX-compatible surfaces: created with a random id, secret
 * and a role (the secret shown once, kept only as a keyed hash), listed, revoked.
 */
import { randomBytes } from 'node:crypto';
import { GetCommand, PutCommand, ScanCommand, UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { DEFAULT_APP_ROLE, type AppRole } from '../http/app-role.js';
import { hashSecret, secretMatches, type SecretHash } from './secret-hash.js';

/** `role` is absent on records written before roles: those are administrators. */
export type App = { app_id: string; name: string; created_at: number; revoked_at?: number; role?: AppRole };
type AppItem = App & { secret: SecretHash };

const APP_ID_BYTES = 6;

/** Ids look like EMQX's app ids; secrets carry 256 random bits. */
export const newAppId = () => randomBytes(APP_ID_BYTES).toString('hex');
const newSecret = () => randomBytes(32).toString('base64url');

/** Every id newAppId() makes, and nothing else: what a table read is spent on. */
const APP_ID_PATTERN = new RegExp(`^[0-9a-f]{${APP_ID_BYTES * 2}}$`);
/** Secrets are base64url (24 bytes earlier, 32 now); anything longer or in other characters is no secret of ours. */
const APP_SECRET_PATTERN = /^[A-Za-z0-9_-]{1,64}$/;

/** Whether the id and secret could be an app's, told before any read or hash. */
export const isWellFormedCredentials = (appId: string, appSecret: string) =>
  APP_ID_PATTERN.test(appId) && APP_SECRET_PATTERN.test(appSecret);

export const roleOf = (app: App): AppRole => app.role ?? DEFAULT_APP_ROLE;

const withoutSecret = ({ secret: _secret, ...app }: AppItem): App => app;

export class AppStore {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  /** A new app; its secret is in the answer and nowhere else. */
  async create(name: string, { role = DEFAULT_APP_ROLE, now = Date.now() }: { role?: AppRole; now?: number } = {}): Promise<App & { secret: string }> {
    const app: App = { app_id: newAppId(), name, created_at: now, role };
    const secret = newSecret();
    await this.db.send(
      new PutCommand({
        TableName: this.tableName,
        Item: { ...app, secret: hashSecret(secret) },
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

let decoy: SecretHash | undefined;

/**
 * Whether the id and secret name an active app. An unknown or revoked id
 * runs the same verification, against a decoy record of the current scheme,
 * so the time taken tells nothing. `verify` is there for the tests to count.
 */
export async function isActiveApp(app: AppItem | undefined, secret: string, verify = secretMatches): Promise<boolean> {
  if (!app || app.revoked_at !== undefined) {
    await verify(secret, (decoy ??= hashSecret(newSecret())));
    return false;
  }
  return verify(secret, app.secret);
}
