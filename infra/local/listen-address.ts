/**
 * The address `npm start` listens on (`LISTEN_HOST`): loopback by default;
 * another address, or every one (`0.0.0.0`, `::`), lets a broker on another
 * machine post its webhooks and its clients connect.
 */
import { isIP } from 'node:net';
import { hostname, networkInterfaces } from 'node:os';

export const isWildcard = (host: string) => host === '0.0.0.0' || host === '::';

export function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || (isIP(host) === 4 && host.startsWith('127.'));
}

/** How a URL names the address: a wildcard as loopback (this machine reaches itself there), IPv6 in brackets. */
export function urlHost(host: string): string {
  if (isWildcard(host)) return '127.0.0.1';
  return isIP(host) === 6 ? `[${host}]` : host;
}

/** The names a request may give as Host when the server listens on `host`: with a wildcard, also this machine's addresses and name. */
export function listenNames(host: string): string[] {
  if (!isWildcard(host)) return [host];
  const addresses = Object.values(networkInterfaces())
    .flat()
    .flatMap((address) => (address ? [address.address] : []));
  return [host, ...addresses, hostname()];
}

/** Said on start when `host` is not loopback: what that exposes. */
export function exposureWarning(
  host: string,
  exposed = 'the API (its Basic credentials are printed below), the ingest routes and the broker can be reached from other machines; set APP_SECRET and INGEST_TOKEN, and open only what you need',
): string | undefined {
  if (isLoopback(host)) return undefined;
  return `warning: LISTEN_HOST=${host} is not a loopback address: ${exposed}`;
}
