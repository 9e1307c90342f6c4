/**
 * The seed of every property run in a test file: `PROPERTY_SEED` when set (to
 * replay a failure), otherwise a random one. fast-check names the seed in its
 * failure report (`{ seed: N, path: … }`); `PROPERTY_SEED=N npx vitest run
 * <file> -t '<test>'` generates the same cases again.
 */
import type fc from 'fast-check';

function seedFromEnvironment(): number {
  const given = process.env.PROPERTY_SEED;
  if (given === undefined || given.trim() === '') return (Math.random() * 0x7fffffff) | 0;
  const seed = Number(given);
  if (!Number.isSafeInteger(seed)) throw new Error(`PROPERTY_SEED must be an integer, not ${JSON.stringify(given)}`);
  return seed | 0;
}

export const PROPERTY_SEED = seedFromEnvironment();

/** Parameters of one property: its number of runs and this file's seed. */
export function propertyRuns<T>(numRuns: number): fc.Parameters<T> {
  return { numRuns, seed: PROPERTY_SEED };
}
