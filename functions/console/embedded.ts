/**
 * The console's files as the deployed bundle carries them: the stack's
 * build (infra/aws/console.ts) defines `CONSOLE_ASSETS_JSON` as their JSON.
 */
import type { ConsoleAssets } from './assets.js';

declare const CONSOLE_ASSETS_JSON: string;

export const embeddedConsoleAssets = (): ConsoleAssets => JSON.parse(CONSOLE_ASSETS_JSON) as ConsoleAssets;
