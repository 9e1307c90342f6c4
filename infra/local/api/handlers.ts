/**
 * The Lambda handler modules of the API, loaded in this process. They read
 * their configuration from the environment once, when first imported, so
 * the environment is set before the import, and a process serves one
 * configuration only.
 */
import type { ApiHandlers, LambdaHttpHandler } from './server.js';

let loaded: { env: Record<string, string>; handlers: ApiHandlers } | undefined;

function sameEnv(a: Record<string, string>, b: Record<string, string>): boolean {
  const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
  return [...keys].every((key) => a[key] === b[key]);
}

export async function loadHandlers(env: Record<string, string>): Promise<ApiHandlers> {
  if (loaded) {
    if (!sameEnv(loaded.env, env)) {
      throw new Error('the API handlers of this process were already loaded with another configuration; start one local stack per process');
    }
    return loaded.handlers;
  }
  Object.assign(process.env, env);
  // A secret ARN in the caller's environment would send a function to Secrets Manager.
  for (const name of ['CONTROL_CREDENTIALS_SECRET_ARN', 'EMQX_API_CREDENTIALS_SECRET_ARN', 'INGEST_TOKEN_SECRET_ARN']) {
    if (!(name in env)) delete process.env[name];
  }
  const [list, get, kick, ingestEmqx, ingestAwsIot, authorizeApp] = await Promise.all([
    import('../../../functions/list-clients.js'),
    import('../../../functions/get-client.js'),
    import('../../../functions/kick-client.js'),
    import('../../../functions/ingest-emqx.js'),
    import('../../../functions/ingest-aws-iot.js'),
    import('../../../functions/authorize-app.js'),
  ]);
  const handlers: ApiHandlers = {
    list: list.handler as LambdaHttpHandler,
    get: get.handler as LambdaHttpHandler,
    kick: kick.handler as LambdaHttpHandler,
    ingestEmqx: ingestEmqx.handler as LambdaHttpHandler,
    ingestAwsIot: ingestAwsIot.handler as LambdaHttpHandler,
    authorizeApp: authorizeApp.handler,
  };
  loaded = { env: { ...env }, handlers };
  return handlers;
}
