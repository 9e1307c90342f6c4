/**
 * What every configuration schema is built from: ranged integers, ARNs and
 * the parse that turns a failure into one message naming each bad variable.
 */
import * as z from '../validation/zod.js';
import { SETTING_RANGES, type RangedSetting } from './ranges.js';

/** Environment variables of a function, as its CDK definition or a local stack sets them. */
export type Environment = Record<string, string>;

/** An integer from the environment (a string there) within the setting's range, or `fallback` when unset. */
export function intSetting(name: RangedSetting, fallback: number) {
  const range: { min: number; max?: number } = SETTING_RANGES[name];
  const int = z.coerce.number();
  return z._default(
    range.max === undefined ? int.check(z.int(), z.gte(range.min)) : int.check(z.int(), z.gte(range.min), z.lte(range.max)),
    fallback,
  );
}

export const arn = () => z.string().check(z.startsWith('arn:'));

export function parse<S extends z.ZodMiniType>(schema: S, env: NodeJS.ProcessEnv): z.infer<S> {
  const result = schema.safeParse(env);
  if (!result.success) {
    const problems = result.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ');
    throw new Error(`invalid configuration: ${problems}`);
  }
  return result.data;
}

/** `{ [name]: value }` when a value is given, else nothing: optional variables stay unset. */
export function optionalVariable(name: string, value: string | number | boolean | undefined): Environment {
  return value === undefined ? {} : { [name]: String(value) };
}
