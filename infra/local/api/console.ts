/**
 * The web console on the local server: the same handler as the deployed
 * function, over assets built from functions/console/web once per process
 * at the first request (a source change shows after a restart).
 */
import type { IncomingHttpHeaders } from 'node:http';
import { buildConsoleAssets } from '../../../functions/console/build-assets.js';
import { consoleHandler } from '../../../functions/console/handler.js';
import type { HttpResponse } from '../../../functions/http/response.js';

let built: ReturnType<typeof consoleHandler> | undefined;
let building: Promise<ReturnType<typeof consoleHandler>> | undefined;

export async function serveConsole(method: string, rawPath: string, headers: IncomingHttpHeaders): Promise<HttpResponse> {
  building ??= buildConsoleAssets().then((assets) => (built = consoleHandler(assets)));
  const handler = built ?? (await building);
  const flat: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) if (value !== undefined) flat[name] = Array.isArray(value) ? value.join(', ') : value;
  return handler({ rawPath, headers: flat, requestContext: { http: { method } } });
}
