/** Starts one DynamoDB Local for the whole test run; each test file makes its own tables. */
import type { TestProject } from 'vitest/node';
import { startDynamoDbLocal } from '../../infra/local/dynamodb-local.js';
import { LocalSetupError, quietAwsSdk } from '../../infra/local/preflight.js';

export default async function setup(project: TestProject) {
  // Before any worker starts: they inherit it.
  quietAwsSdk();
  let dynamodb;
  try {
    dynamodb = await startDynamoDbLocal();
  } catch (error) {
    if (!(error instanceof LocalSetupError)) throw error;
    // What to install, in one line, rather than a stack trace.
    console.error(`npm test cannot start: ${error.message}`);
    process.exit(1);
  }
  project.provide('dynamodbEndpoint', dynamodb.endpoint);
  return async () => {
    await dynamodb.stop();
  };
}
