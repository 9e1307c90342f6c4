/** Runs smoke steps in order, one line each; a failed step names what to check. */

export type StepOutcome = { ok: string } | { skip: string };

export type Step = {
  name: string;
  /** What to look at when the step fails. */
  check: string;
  /** Names of steps that must have passed; otherwise this one is skipped. */
  needs?: readonly string[];
  run(): Promise<StepOutcome | string | void>;
};

export class StepFailure extends Error {
  override name = 'StepFailure';
}

export type StepResult = { name: string; status: 'ok' | 'FAIL' | 'skip'; detail: string };

const oneLine = (text: string) => text.replace(/\s+/g, ' ').trim();

export function describeResult(result: StepResult, check?: string): string {
  const text = oneLine(result.detail);
  const detail = text ? (result.status === 'ok' ? ` (${text})` : `: ${text}`) : '';
  const hint = result.status === 'FAIL' && check ? ` — check: ${check}` : '';
  return `${result.status.padEnd(4)}  ${result.name}${detail}${hint}`;
}

export async function runSteps(steps: readonly Step[], print: (line: string) => void): Promise<StepResult[]> {
  const results: StepResult[] = [];
  const passed = new Set<string>();
  for (const step of steps) {
    const missing = (step.needs ?? []).filter((name) => !passed.has(name));
    let result: StepResult;
    if (missing.length > 0) {
      result = { name: step.name, status: 'skip', detail: `needs "${missing.join('", "')}"` };
    } else {
      try {
        const outcome = await step.run();
        if (outcome && typeof outcome === 'object' && 'skip' in outcome) result = { name: step.name, status: 'skip', detail: outcome.skip };
        else result = { name: step.name, status: 'ok', detail: typeof outcome === 'string' ? outcome : (outcome?.ok ?? '') };
      } catch (error) {
        result = { name: step.name, status: 'FAIL', detail: error instanceof Error ? error.message : String(error) };
      }
    }
    if (result.status === 'ok') passed.add(step.name);
    results.push(result);
    print(describeResult(result, step.check));
  }
  return results;
}
