/**
 * Whether a Query failed because its index cannot be read yet or any more:
 * DynamoDB refuses an index that is still backfilling after it was added
 * ("Cannot read from backfilling global secondary index"), and one the table
 * does not have ("The table does not have the specified index").
 */
export function isUnavailableIndex(error: unknown): boolean {
  if (!(error instanceof Error) || error.name !== 'ValidationException') return false;
  return /backfilling global secondary index|does not have the specified index/i.test(error.message);
}
