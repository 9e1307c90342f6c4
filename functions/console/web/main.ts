/**
 * The console: a thin client of the API's `/api/v5` routes. The URL hash
 * names the view (`#/clients?filters`, `#/client/<id>`, `#/nodes`), so a
 * view can be shared and the browser's back button works.
 */
import { mayKick, type ApiFailure } from './api.js';
import { clientView } from './client-view.js';
import { clientsView, type ViewContext } from './clients-view.js';
import { announce, byId } from './dom.js';
import { nodesView } from './nodes-view.js';
import { forgetCredentials, saveCredentials, savedCredentials } from './session.js';
import { signInView } from './sign-in.js';

const KICK_KEY = 'mqtt-clients-console.may-kick';
const root = byId('view');
const nav = byId('nav');
const who = byId('who');
const signOut = byId<HTMLButtonElement>('sign-out');
let cleanup: () => void = () => undefined;

function showSignIn(reason = ''): void {
  cleanup();
  cleanup = () => undefined;
  nav.hidden = true;
  signOut.hidden = true;
  who.textContent = '';
  signInView(root, reason, (credentials, kicks) => {
    saveCredentials(credentials);
    sessionStorage.setItem(KICK_KEY, String(kicks));
    announce('Signed in.');
    route();
  });
}

function route(): void {
  const credentials = savedCredentials();
  if (!credentials) return showSignIn();
  cleanup();
  nav.hidden = false;
  signOut.hidden = false;
  const kicks = sessionStorage.getItem(KICK_KEY) === 'true';
  who.textContent = `${credentials.appId}${kicks ? '' : ' (viewer)'}`;
  const context: ViewContext = {
    mayKick: kicks,
    onSignedOut: (failure: ApiFailure) => {
      forgetCredentials();
      showSignIn(failure.message);
    },
  };
  const hash = location.hash.slice(1) || '/clients';
  const queryAt = hash.indexOf('?');
  const path = queryAt < 0 ? hash : hash.slice(0, queryAt);
  const query = new URLSearchParams(queryAt < 0 ? '' : hash.slice(queryAt + 1));
  for (const link of nav.querySelectorAll('a')) {
    if (path.startsWith(link.getAttribute('href')!.slice(1))) link.setAttribute('aria-current', 'page');
    else link.removeAttribute('aria-current');
  }
  if (path.startsWith('/client/')) {
    let clientid: string;
    try {
      clientid = decodeURIComponent(path.slice('/client/'.length));
    } catch {
      clientid = path.slice('/client/'.length);
    }
    cleanup = clientView(root, clientid, context);
  } else if (path === '/nodes') {
    cleanup = nodesView(root, context);
  } else {
    cleanup = clientsView(root, query, context);
  }
  root.focus({ preventScroll: true });
}

signOut.addEventListener('click', () => {
  forgetCredentials();
  sessionStorage.removeItem(KICK_KEY);
  announce('Signed out.');
  showSignIn();
});
window.addEventListener('hashchange', route);

// A tab reopened with kept credentials learns its role again: it may have changed.
const kept = savedCredentials();
if (kept && sessionStorage.getItem(KICK_KEY) === null) {
  void mayKick(kept).then((kicks) => sessionStorage.setItem(KICK_KEY, String(kicks)), () => undefined).finally(route);
} else {
  route();
}
