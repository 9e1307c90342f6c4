/** The sign-in form: an app id and secret (the `/api/v5` Basic credentials), checked against the API before they are kept. */
import { ApiFailure, call, mayKick } from './api.js';
import { h, replaceChildren } from './dom.js';
import type { Credentials } from './session.js';

export function signInView(root: HTMLElement, reason: string, onSignedIn: (credentials: Credentials, mayKick: boolean) => void): void {
  const error = h('p', { class: 'error', id: 'sign-in-error', role: 'alert' }, reason);
  const appId = h('input', { id: 'app-id', name: 'app_id', autocomplete: 'username', required: true, spellcheck: 'false' });
  const secret = h('input', { id: 'app-secret', name: 'app_secret', type: 'password', autocomplete: 'current-password', required: true });
  const submit = h('button', { type: 'submit' }, 'Sign in');
  const form = h(
    'form',
    { class: 'sign-in', 'aria-describedby': 'sign-in-error' },
    h('h1', {}, 'Sign in'),
    h('p', {}, 'With an app id and secret of this API (', h('code', {}, 'npm run apps -- create'), '). They are kept in this tab only.'),
    h('div', { class: 'field' }, h('label', { for: 'app-id' }, 'App id'), appId),
    h('div', { class: 'field' }, h('label', { for: 'app-secret' }, 'Secret'), secret),
    submit,
    error,
  );
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    const credentials = { appId: appId.value.trim(), secret: secret.value };
    submit.disabled = true;
    error.textContent = '';
    try {
      await call('GET', '/api/v5/clients?limit=1&fields=clientid', { credentials });
      onSignedIn(credentials, await mayKick(credentials));
    } catch (failure) {
      error.textContent = failure instanceof ApiFailure ? failure.message : String(failure);
      secret.value = '';
      secret.focus();
    } finally {
      submit.disabled = false;
    }
  });
  replaceChildren(root, form);
  appId.focus();
}
