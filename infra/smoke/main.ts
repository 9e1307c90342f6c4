/**
 * `npm run smoke`: proves a deployment (or `npm start`) works end to end,
 * and cleans up after itself. Exit code 0 only when no step failed.
 */
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { quietAwsSdk } from '../local/preflight.js';
import { HELP, parseSmokeOptions, UsageError } from './options.js';
import { runSteps } from './runner.js';
import { smokePlan } from './steps.js';
import { resolveSmokeTarget } from './target.js';

/** Runs the smoke test; returns the exit code. */
export async function runSmoke(args: readonly string[], print: (line: string) => void, env: NodeJS.ProcessEnv = process.env): Promise<number> {
  let options;
  try {
    options = parseSmokeOptions(args);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    print(`smoke: ${error.message}`);
    return 2;
  }
  if (options.help) {
    print(HELP);
    return 0;
  }
  let target;
  try {
    target = await resolveSmokeTarget(options, env);
  } catch (error) {
    print(`FAIL  the deployment's outputs: ${(error as Error).message.split('\n')[0]} — check: the stack name, region and your AWS credentials`);
    return 1;
  }
  print(`smoke test of ${target.apiUrl}`);
  const plan = smokePlan({ target, app: options.app });
  let results;
  try {
    results = await runSteps(plan.steps, print);
  } finally {
    try {
      const cleaned = await plan.cleanUp();
      if (cleaned) print(`clean-up: ${cleaned}`);
    } catch (error) {
      print(`FAIL  clean-up: ${(error as Error).message} — check: the ingest route; end the session by hand (a client.disconnected event)`);
      results = undefined;
    }
  }
  const failed = results === undefined || results.some((r) => r.status === 'FAIL');
  print(failed ? 'smoke test FAILED' : 'smoke test passed');
  return failed ? 1 : 0;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  quietAwsSdk();
  runSmoke(process.argv.slice(2), (line) => process.stdout.write(`${line}\n`)).then(
    (code) => process.exit(code),
    (error: unknown) => {
      process.stderr.write(`smoke: ${(error as Error).message}\n`);
      process.exit(1);
    },
  );
}
