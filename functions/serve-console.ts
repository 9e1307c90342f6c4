/** Lambda handler of `GET /console` and its assets: the web console, built into this bundle. */
import { consoleHandler } from './console/handler.js';
import { embeddedConsoleAssets } from './console/embedded.js';

export const handler = consoleHandler(embeddedConsoleAssets());
