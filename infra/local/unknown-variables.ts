/**
 * A mistyped setting (`EMQX_API_SECERT`, `BROKERMODE`) would otherwise be
 * ignored without a word and its default used. A variable that looks like
 * one of `npm start`'s own, by its prefix or by its spelling, but is none of
 * them is named with the known setting it most resembles.
 */

/** Prefixes shared with variables a shell, Node.js or the AWS SDK set for their own reasons. */
const FOREIGN_FAMILIES = new Set(['AWS', 'NODE', 'JAVA', 'POWERTOOLS', 'NPM', 'XDG']);
/** Names in one of the stack's families that others set: a desktop session's. */
const FOREIGN_NAMES = new Set(['SESSION_MANAGER']);

/** Levenshtein distance, for names of a few dozen characters. */
export function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      current[j] = Math.min(previous[j]! + 1, current[j - 1]! + 1, previous[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    previous = current;
  }
  return previous[b.length]!;
}

const familyOf = (name: string) => name.split('_')[0]!;

/** Edits that still make a slip rather than another word: one in a short name, two in a longer one. */
const closeEnough = (name: string, known: string) => editDistance(name, known) <= (Math.min(name.length, known.length) < 8 ? 1 : 2);

function nearest(name: string, known: readonly string[]): string {
  return known.reduce((best, candidate) => (editDistance(name, candidate) < editDistance(name, best) ? candidate : best));
}

/** One warning per variable of `env` that resembles a name in `known` without being one. */
export function unknownVariableWarnings(env: NodeJS.ProcessEnv, known: readonly string[]): string[] {
  const knownSet = new Set(known);
  const families = new Set(known.filter((name) => name.includes('_')).map(familyOf).filter((family) => !FOREIGN_FAMILIES.has(family)));
  const warnings: string[] = [];
  for (const name of Object.keys(env).sort()) {
    if (knownSet.has(name) || FOREIGN_NAMES.has(name) || !/^[A-Z][A-Z0-9_]*$/.test(name)) continue;
    const close = known.filter((candidate) => closeEnough(name, candidate));
    if (close.length === 0 && !(name.includes('_') && families.has(familyOf(name)))) continue;
    warnings.push(`${name} is not a setting of npm start and is ignored: did you mean ${nearest(name, close.length > 0 ? close : known)}?`);
  }
  return warnings;
}
