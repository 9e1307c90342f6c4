/** Lambda REQUEST authorizer of the EMQX-compatible routes (`/api/v4`, `/api/v5`): HTTP Basic with an app id and secret. */
import { appAuthorizer, authorizerDepsOf } from './apps/authorizer.js';
import { loadAppsConfig } from './config.js';
import { observability } from './http/observability.js';

export type { AuthorizerResult } from './apps/authorizer.js';

export const handler = appAuthorizer(authorizerDepsOf(loadAppsConfig(), observability(process.env)));
