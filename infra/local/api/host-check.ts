/**
 * The Host names the local API answers to: loopback ones and the address it
 * listens on, with its port. A browser page a DNS-rebinding attacker serves
 * from their own name reaches the server with that name as Host, so it is
 * refused before any credential is looked at.
 */
import { isIP } from 'node:net';
import { listenNames } from '../listen-address.js';

/** `localhost`, 127.0.0.0/8, `[::1]`, and the configured listen address (with a wildcard, this machine's addresses and name). */
function isAllowedName(hostname: string, listenHost: string): boolean {
  if (hostname === 'localhost' || hostname === '[::1]') return true;
  if (isIP(hostname) === 4 && hostname.startsWith('127.')) return true;
  return listenNames(listenHost).some((name) => {
    const listening = name.toLowerCase();
    return hostname === (isIP(listening) === 6 ? `[${listening}]` : listening);
  });
}

/** Whether `host` (the request's Host header) names this server: an allowed name and the port it listens on. */
export function isAllowedHost(host: string | undefined, listenHost: string, port: number): boolean {
  const match = /^(\[[0-9a-f:.]+\]|[^:[\]]+):(\d+)$/.exec((host ?? '').toLowerCase());
  if (!match) return false;
  return Number(match[2]) === port && isAllowedName(match[1]!, listenHost);
}
