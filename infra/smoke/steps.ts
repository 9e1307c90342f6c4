/**
 * The smoke test's steps: each surface with the credentials it takes, then
 * one synthetic session through the stack's own ingest path — listed, shown
 * on every surface, kicked, gone. The clean-up ends the session however
 * far the steps got.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { ClientsApi } from '../client/clients-api.js';
import type { SmokeTarget } from './target.js';
import { connectedEvent, disconnectedEvent, newSyntheticSession, postEvent, SMOKE_NODE, type SyntheticSession } from './synthetic-session.js';
import { StepFailure, type Step } from './runner.js';

export type SmokeSettings = {
  target: SmokeTarget;
  app: { id: string; secret: string };
  /** How long a session may take to appear or go (counts and lists may lag a write by a few seconds). */
  settleMs?: number;
  fetch?: typeof fetch;
};

export type SmokePlan = { steps: Step[]; cleanUp(): Promise<string | undefined>; session: SyntheticSession };

const fail = (message: string): never => {
  throw new StepFailure(message);
};

function bodyText(body: unknown): string {
  const text = typeof body === 'string' ? body : JSON.stringify(body);
  return text === undefined ? 'no body' : text.length > 200 ? `${text.slice(0, 200)}…` : text;
}

/** Polls until `done` says so, or fails with what it saw last. */
async function until<T>(read: () => Promise<T>, done: (value: T) => boolean, ms: number, what: string): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await read();
    if (done(value)) return value;
    if (Date.now() >= deadline) return fail(`${what} not seen within ${ms / 1000} s (last seen: ${bodyText(value)})`);
    await sleep(250);
  }
}

export function smokePlan(settings: SmokeSettings): SmokePlan {
  const { target, app } = settings;
  const settleMs = settings.settleMs ?? 10_000;
  const fetchFn = settings.fetch ?? fetch;
  const signed = new ClientsApi({ url: target.apiUrl, auth: { sigv4: { region: target.region } }, fetch: fetchFn });
  const basic = new ClientsApi({ url: target.apiUrl, auth: { basic: app }, fetch: fetchFn });
  const wrongSecret = new ClientsApi({ url: target.apiUrl, auth: { basic: { id: app.id, secret: `${app.secret}-wrong` } }, fetch: fetchFn });
  const session = newSyntheticSession();
  const id = encodeURIComponent(session.clientid);
  let created = false;
  let gone = false;

  const expectStatus = async (api: ClientsApi, path: string, status: number, query: Record<string, string> = {}) => {
    const answer = await api.request('GET', path, query);
    if (answer.status !== status) fail(`GET ${path} answered ${answer.status}, not ${status}: ${bodyText(answer.body)}`);
    return answer.body as Record<string, unknown>;
  };
  const shownOn = async (api: ClientsApi, path: string) => {
    const answer = await api.request('GET', path);
    return answer.status === 200 ? ((answer.body as { data?: unknown }).data ?? answer.body) : undefined;
  };

  const ingestStep = 'a synthetic session through the ingest route';
  const steps: Step[] = [
    {
      name: 'native routes with SigV4',
      check: 'your AWS credentials and region, and that they may call execute-api:Invoke on the API (ClientsApi grantRead/grantKick)',
      async run() {
        const body = await expectStatus(signed, 'clients', 200, { _limit: '1' });
        if (!Array.isArray(body.data)) fail(`no data array: ${bodyText(body)}`);
        return `GET /clients: ${(body.meta as { count?: number } | undefined)?.count ?? '?'} sessions`;
      },
    },
    {
      name: '/api/v4 with the app',
      check: 'the app id and secret (npm run apps -- list), and the app authorizer function\'s logs',
      async run() {
        const body = await expectStatus(basic, 'api/v4/clients', 200, { _limit: '1' });
        if (body.code !== 0) fail(`code ${String(body.code)}: ${bodyText(body)}`);
        return 'GET /api/v4/clients';
      },
    },
    {
      name: '/api/v5 with the app',
      check: 'the app id and secret (npm run apps -- list), and the app authorizer function\'s logs',
      async run() {
        const body = await expectStatus(basic, 'api/v5/clients', 200, { limit: '1' });
        if (!Array.isArray(body.data)) fail(`no data array: ${bodyText(body)}`);
        return 'GET /api/v5/clients';
      },
    },
    {
      name: 'a wrong app secret is refused',
      check: 'the app authorizer: it must refuse a wrong secret (its logs, and the API\'s authorizer settings)',
      async run() {
        await expectStatus(wrongSecret, 'api/v5/clients', 401, { limit: '1' });
        return '401';
      },
    },
    {
      name: ingestStep,
      check: 'the ingest token (the IngestTokenSecretArn secret, or INGEST_TOKEN) and the ingest function\'s logs',
      async run() {
        if ('skipped' in target.ingest) return { skip: target.ingest.skipped };
        const answer = await postEvent(target.ingest, connectedEvent(session));
        if (answer.status !== 204) fail(`POST ${target.ingest.url} answered ${answer.status}: ${bodyText(answer.text)}`);
        created = true;
        return session.clientid;
      },
    },
    {
      name: 'listed',
      check: 'the sessions table and the list function\'s logs',
      needs: [ingestStep, 'native routes with SigV4'],
      async run() {
        await until(
          async () => {
            const first = await signed.pages({ clientid: session.clientid }).next();
            return first.done ? [] : first.value.data;
          },
          (rows) => rows.some((row) => row.clientid === session.clientid),
          settleMs,
          'the session in GET /clients?clientid=…',
        );
        return 'GET /clients?clientid=…';
      },
    },
    {
      name: 'shown on every surface',
      check: 'the get function\'s logs',
      needs: ['listed', '/api/v4 with the app', '/api/v5 with the app'],
      async run() {
        const native = await signed.get(session.clientid);
        if (!native?.connected || native.node !== SMOKE_NODE) fail(`GET /clients/{clientid} shows ${bodyText(native)}`);
        for (const path of [`api/v4/clients/${id}`, `api/v5/clients/${id}`]) {
          const shown = await shownOn(basic, path);
          const row = Array.isArray(shown) ? shown[0] : shown;
          if ((row as { clientid?: unknown } | undefined)?.clientid !== session.clientid) fail(`GET /${path} shows ${bodyText(shown)}`);
        }
        return 'native, /api/v4, /api/v5';
      },
    },
    {
      name: 'kicked',
      check: 'the kick function\'s logs and its way to the broker (KICK_VIA, the broker API credentials)',
      needs: ['listed'],
      async run() {
        const outcome = await signed.kick(session.clientid);
        // No broker holds the synthetic connection: the API says so and ends the session (404), or ends it once confirmed (202).
        const meaning = { kicked: 'kicked', pending: 'taken by the broker, not confirmed yet', 'not-found': 'no broker held it; the session was ended' };
        return `${outcome.status}: ${meaning[outcome.outcome]}`;
      },
    },
    {
      name: 'gone',
      check: 'the kick function\'s logs: a kick must end the session in the table',
      needs: ['kicked'],
      async run() {
        await until(() => signed.get(session.clientid), (shown) => shown === undefined, settleMs, 'the session gone from GET /clients/{clientid}');
        gone = true;
        return 'GET /clients/{clientid}: none';
      },
    },
  ];

  return {
    steps,
    session,
    /** Ends the synthetic session if it may still be there; says how, or undefined when nothing was left. */
    async cleanUp() {
      if (!created || gone || 'skipped' in target.ingest) return undefined;
      const answer = await postEvent(target.ingest, disconnectedEvent(session));
      if (answer.status !== 204) throw new Error(`could not end ${session.clientid}: POST answered ${answer.status}: ${bodyText(answer.text)}`);
      return `${session.clientid} ended through the ingest route`;
    },
  };
}
