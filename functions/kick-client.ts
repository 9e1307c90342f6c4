/** Lambda handler of the kick routes (one client, or a list of them), through the kick channel KICK_VIA names. */
import { kickDepsOf, kickHandler } from './api/kick-handler.js';
import { loadKickConfig } from './config.js';
import { observability } from './http/observability.js';

export const handler = kickHandler(kickDepsOf(loadKickConfig(), observability(process.env)));
