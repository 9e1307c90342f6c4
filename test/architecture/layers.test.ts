/**
 * The import order of functions/ (test/architecture/dependency-cruiser.cjs):
 * every module cruised, type-only imports included, and each violation listed
 * with its rule, so a failure says which import to move.
 */
import { createRequire } from 'node:module';
import { cruise, type ICruiseResult, type IForbiddenRuleType } from 'dependency-cruiser';
import { describe, expect, it } from 'vitest';

const config = createRequire(import.meta.url)('./dependency-cruiser.cjs') as {
  forbidden: IForbiddenRuleType[];
  options: Record<string, unknown>;
  LAYERS: [string, string][];
};

async function cruiseFunctions(): Promise<ICruiseResult> {
  const { output } = await cruise(['functions'], { ...config.options, validate: true, ruleSet: { forbidden: config.forbidden } });
  return output as ICruiseResult;
}

describe('functions/ imports run one way', () => {
  it('breaks no layer rule, has no cycle, and imports nothing of infra/ or test/', async () => {
    const result = await cruiseFunctions();
    const violations = result.summary.violations.map(
      (v) => `${v.rule.name}: ${v.from} → ${v.to}${v.cycle ? ` (cycle: ${v.cycle.map((step) => step.name).join(' → ')})` : ''}`,
    );
    expect(violations).toEqual([]);
  }, 60_000);

  it('cruises every module, with every relative import resolved', async () => {
    const result = await cruiseFunctions();
    const modules = result.modules.filter((m) => m.source.startsWith('functions/'));
    const unresolved = modules.flatMap((m) => m.dependencies.filter((d) => d.couldNotResolve).map((d) => `${m.source} → ${d.module}`));
    expect(unresolved).toEqual([]);
    // Each layer matches files, so a renamed folder cannot leave its rule checking nothing.
    for (const [name, path] of config.LAYERS) {
      expect(modules.some((m) => new RegExp(path).test(m.source)), name).toBe(true);
    }
  }, 60_000);
});
