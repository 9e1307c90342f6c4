/** One client: every field the API shows, its subscriptions, and a kick (administrators only). */
import { ApiFailure, call, clientPath, type ClientRecord } from './api.js';
import type { ViewContext } from './clients-view.js';
import { confirmAction } from './confirm.js';
import { announce, h, replaceChildren } from './dom.js';

type Subscription = { topic: string; qos: number; nl?: number; rap?: number; rh?: number };

const shown = (value: unknown) => (value !== null && typeof value === 'object' ? JSON.stringify(value) : String(value));

export function clientView(root: HTMLElement, clientid: string, context: ViewContext): () => void {
  const failed = (error: unknown) => {
    if (error instanceof ApiFailure && error.isSignedOut) context.onSignedOut(error);
    else announce(error instanceof Error ? error.message : String(error), 'error');
  };
  const back = h('p', {}, h('a', { href: '#/clients' }, '← All clients'));
  const heading = h('h1', { class: 'id' }, clientid);
  replaceChildren(root, back, heading, h('p', {}, 'Loading…'));

  const kick = async () => {
    if (!(await confirmAction('Kick this client?', [clientid], 'Kick'))) return;
    try {
      await call('DELETE', clientPath(clientid));
      announce(`Kicked ${clientid}.`);
      location.hash = '#/clients';
    } catch (error) {
      failed(error);
    }
  };

  void (async () => {
    try {
      const [client, subscriptions] = await Promise.all([
        call<ClientRecord>('GET', clientPath(clientid)),
        call<Subscription[]>('GET', `${clientPath(clientid)}/subscriptions`),
      ]);
      const fields = Object.keys(client.body).sort();
      replaceChildren(
        root,
        back,
        heading,
        context.mayKick ? h('p', {}, h('button', { type: 'button', class: 'danger', id: 'kick', onclick: () => void kick() }, 'Kick…')) : null,
        h('h2', {}, 'Subscriptions'),
        subscriptions.body.length === 0
          ? h('p', {}, 'No subscriptions.')
          : h(
              'div',
              { class: 'scroll' },
              h(
                'table',
                { class: 'subscriptions' },
                h('caption', { class: 'visually-hidden' }, 'Subscriptions'),
                h('thead', {}, h('tr', {}, ...['Topic', 'QoS', 'No local', 'Retain as published', 'Retain handling'].map((t) => h('th', { scope: 'col' }, t)))),
                h(
                  'tbody',
                  {},
                  ...subscriptions.body.map((s) => h('tr', {}, h('td', { class: 'id' }, s.topic), h('td', {}, s.qos), h('td', {}, s.nl ?? 0), h('td', {}, s.rap ?? 0), h('td', {}, s.rh ?? 0))),
                ),
              ),
            ),
        h('h2', {}, 'Fields'),
        h('dl', { class: 'fields' }, ...fields.flatMap((name) => [h('dt', {}, name), h('dd', {}, shown(client.body[name]))])),
      );
    } catch (error) {
      if (error instanceof ApiFailure && error.status === 404) replaceChildren(root, back, heading, h('p', {}, 'No such client: it disconnected and its session ended, or it never connected.'));
      else failed(error);
    }
  })();
  return () => undefined;
}
