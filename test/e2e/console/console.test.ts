/**
 * The web console in a real browser (Debian's Chromium through
 * playwright-core) against the local stack, with real MQTT clients: sign-in,
 * the list with filters and pages, one client, kicks, a viewer, hostile
 * client ids, and the page's own headers.
 */
import { mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CONSOLE_CSP } from '../../../functions/console/assets.js';
import { closed } from '../local-stack.js';
import { createApp, listed, openPage, signIn, startConsoleWorld, type ConsoleWorld, type Watched } from './console-stack.js';

const HOSTILE = '<img src=x onerror=alert(1)>';
const FLEET = Array.from({ length: 12 }, (_, i) => `console-${String(i).padStart(2, '0')}`);
const SCREENSHOT = join(dirname(fileURLToPath(import.meta.url)), 'console-clients.png');

let world: ConsoleWorld;
const mqtt = () => world.mqtt;

beforeAll(async () => {
  world = await startConsoleWorld();
  for (const clientId of FLEET) await mqtt().connect({ clientId, clean: true, username: `user-${clientId.slice(-2)}` });
  const hostile = await mqtt().connect({ clientId: HOSTILE, clean: true, username: '<b>bold</b>' });
  await hostile.subscribeAsync('<script>alert(2)</script>/#', { qos: 1 });
  await listed(world, [...FLEET, HOSTILE]);
}, 60_000);
afterAll(() => world?.close());

/** The page answers after the API does: on a busy machine that is seconds, not the poll's default one. */
const eventually = <T>(read: () => T | Promise<T>) => expect.poll(read, { timeout: 10_000, interval: 100 });
const rows = (watched: Watched) => watched.page.locator('table.clients tbody tr');
const clientIdsShown = async (watched: Watched) => watched.page.locator('table.clients tbody th[scope=row]').allTextContents();

function expectNothingUntoward(watched: Watched): void {
  expect(watched.dialogs).toEqual([]);
  expect(watched.refusals).toEqual([]);
  expect(watched.foreign).toEqual([]);
}

describe('the console page', () => {
  it('is served without credentials with its CSP, a no-cache page and immutable hashed assets, small', async () => {
    const page = await fetch(`${world.stack.apiUrl}/console`, { headers: { 'accept-encoding': 'gzip' } });
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(page.headers.get('content-security-policy')).toBe(CONSOLE_CSP);
    expect(page.headers.get('cache-control')).toBe('no-cache');
    const html = await page.text();
    const assets = [...html.matchAll(/(?:src|href)="(\/console\/[^"]+)"/g)].map((m) => m[1]!);
    expect(assets).toHaveLength(3);
    expect(html).not.toMatch(/<script>|<style>|\sstyle=|\son[a-z]+=/);

    const again = await fetch(`${world.stack.apiUrl}/console`, { headers: { 'if-none-match': page.headers.get('etag')! } });
    expect(again.status).toBe(304);

    let compressed = Number(page.headers.get('content-length'));
    for (const path of assets) {
      const asset = await fetch(`${world.stack.apiUrl}${path}`, { headers: { 'accept-encoding': 'identity' } });
      expect(asset.status, path).toBe(200);
      expect(asset.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
      expect(path).toMatch(/\.[A-Za-z0-9]{8,10}\.(js|css|svg)$/);
      // fetch decodes the body; the length on the wire is the header's.
      const gzipped = await fetch(`${world.stack.apiUrl}${path}`, { headers: { 'accept-encoding': 'gzip' } });
      expect(gzipped.headers.get('content-encoding')).toBe('gzip');
      expect(await gzipped.text()).toBe(await asset.text());
      compressed += Number(gzipped.headers.get('content-length'));
    }
    expect(compressed).toBeLessThan(100 * 1024);
    expect((await fetch(`${world.stack.apiUrl}/console/main.nothing.js`)).status).toBe(404);
  });

  it('says in words that a wrong secret is wrong, and keeps nothing', async () => {
    const watched = await openPage(world);
    await signIn(world, watched.page, world.stack.app.appId, 'not-the-secret');
    await eventually(() => watched.page.locator('#sign-in-error').textContent()).toContain('The app id or secret is wrong');
    expect(await watched.page.evaluate('sessionStorage.length')).toBe(0);
    expectNothingUntoward(watched);
    await watched.page.context().close();
  });
});

describe('an administrator', () => {
  let watched: Watched;
  beforeAll(async () => {
    watched = await openPage(world);
    await signIn(world, watched.page, world.stack.app.appId, world.stack.app.appSecret, '#/clients?limit=10');
    await rows(watched).first().waitFor();
  });
  afterAll(() => watched.page.context().close());

  it('sees the clients with their total, pages through them, and keeps the view in the URL', async () => {
    const { page } = watched;
    await eventually(() => page.locator('#total').textContent()).toBe(`${FLEET.length + 1} clients`);
    const first = await clientIdsShown(watched);
    expect(first).toHaveLength(10);
    await page.getByRole('button', { name: 'Next page' }).click();
    await eventually(() => clientIdsShown(watched)).toHaveLength(3);
    const second = await clientIdsShown(watched);
    expect([...first, ...second].sort()).toEqual([...FLEET, HOSTILE].sort());
    expect(await page.getByRole('button', { name: 'Next page' }).isDisabled()).toBe(true);
    await page.getByRole('button', { name: 'Previous page' }).click();
    await eventually(() => clientIdsShown(watched)).toEqual(first);
    if (process.env.UPDATE_CONSOLE_SCREENSHOT) {
      await eventually(() => page.locator('#status').textContent()).toBe('');
      mkdirSync(dirname(SCREENSHOT), { recursive: true });
      await page.screenshot({ path: SCREENSHOT });
    }
    expectNothingUntoward(watched);
  });

  it('filters by client id substring and by username, and a shared link shows the same view', async () => {
    const { page } = watched;
    await page.getByLabel('Client id', { exact: true }).fill('console-1');
    await page.getByRole('button', { name: 'Apply filters' }).click();
    await eventually(() => clientIdsShown(watched)).toEqual(['console-11', 'console-10']);
    expect(page.url()).toContain('clientid=console-1');
    await eventually(() => page.locator('#total').textContent()).toBe('Total not counted for these filters');

    const shared = await openPage(world);
    await signIn(world, shared.page, world.stack.app.appId, world.stack.app.appSecret, new URL(page.url()).hash);
    await eventually(() => clientIdsShown(shared)).toEqual(['console-11', 'console-10']);
    expect(await shared.page.getByLabel('Client id', { exact: true }).inputValue()).toBe('console-1');
    await shared.page.context().close();

    await page.goto(`${world.stack.apiUrl}/console#/clients?username=user-03&username_match=exact`);
    await eventually(() => clientIdsShown(watched)).toEqual(['console-03']);
    await page.getByRole('button', { name: 'Clear' }).click();
    await eventually(async () => (await clientIdsShown(watched)).length).toBe(FLEET.length + 1);
    expect(new URL(page.url()).hash).toBe('#/clients');
  });

  it('shows a hostile client id, username and topic as text, running nothing', async () => {
    const { page } = watched;
    await page.goto(`${world.stack.apiUrl}/console#/clients?clientid=${encodeURIComponent(HOSTILE)}&clientid_match=exact`);
    await eventually(() => clientIdsShown(watched)).toEqual([HOSTILE]);
    expect(await page.locator('table.clients img, table.clients b').count()).toBe(0);
    await page.getByRole('link', { name: HOSTILE }).click();
    await eventually(() => page.locator('table.subscriptions td').first().textContent()).toBe('<script>alert(2)</script>/#');
    expect(await page.getByRole('heading', { level: 1 }).textContent()).toBe(HOSTILE);
    expect(await page.locator('main img, main script, main b').count()).toBe(0);
    expectNothingUntoward(watched);
  });

  it('opens a client with its fields and subscriptions, and kicks it after confirming: its connection closes and its row goes', async () => {
    const { page } = watched;
    const client = await mqtt().connect({ clientId: 'console-kick-one', clean: true });
    await client.subscribeAsync('plant/+/temperature', { qos: 1 });
    await listed(world, ['console-kick-one']);
    await page.goto(`${world.stack.apiUrl}/console#/clients?clientid=console-kick&clientid_match=like`);
    await page.getByRole('link', { name: 'console-kick-one' }).click();
    await eventually(() => page.locator('table.subscriptions td').first().textContent()).toBe('plant/+/temperature');
    await eventually(() => page.locator('dl.fields dt').allTextContents()).toEqual(expect.arrayContaining(['clientid', 'proto_ver', 'subscriptions_cnt', 'mqueue_len']));

    const connectionClosed = closed(client);
    await page.getByRole('button', { name: 'Kick…' }).click();
    await page.getByRole('dialog').getByRole('button', { name: 'Cancel' }).click();
    expect(client.connected).toBe(true);
    await page.getByRole('button', { name: 'Kick…' }).click();
    await page.getByRole('dialog').getByRole('button', { name: 'Kick' }).click();
    await connectionClosed;
    await page.waitForURL(/#\/clients$/);
    await eventually(() => clientIdsShown(watched)).not.toContain('console-kick-one');
    expect(await world.api.client('console-kick-one')).toBeUndefined();
  });

  it('kicks two selected clients in one bulk call and shows what became of each', async () => {
    const { page } = watched;
    const [a, b] = await Promise.all(['console-bulk-a', 'console-bulk-b'].map((clientId) => mqtt().connect({ clientId, clean: true })));
    await listed(world, ['console-bulk-a', 'console-bulk-b']);
    await page.goto(`${world.stack.apiUrl}/console#/clients?clientid=console-bulk&clientid_match=like`);
    await eventually(() => clientIdsShown(watched)).toHaveLength(2);
    const bothClosed = Promise.all([closed(a!), closed(b!)]);
    const bulkCalls: string[] = [];
    page.on('request', (request) => {
      if (request.url().endsWith('/api/v5/clients/kickout/bulk')) bulkCalls.push(request.postData() ?? '');
    });
    await page.getByLabel('Select console-bulk-a').check();
    await page.getByLabel('Select console-bulk-b').check();
    await page.getByRole('button', { name: 'Kick selected (2)' }).click();
    await page.getByRole('dialog').getByRole('button', { name: 'Kick' }).click();
    await bothClosed;
    await eventually(() => page.locator('.outcome-list li').allTextContents()).toEqual(
      expect.arrayContaining(['console-bulk-a: kicked: session gone', 'console-bulk-b: kicked: session gone']),
    );
    expect(bulkCalls.map((body) => (JSON.parse(body) as string[]).sort())).toEqual([['console-bulk-a', 'console-bulk-b']]);
    await eventually(() => clientIdsShown(watched)).toEqual([]);
  });

  it('charts the sessions of each node', async () => {
    const { page } = watched;
    await page.getByRole('link', { name: 'Nodes' }).click();
    await eventually(() => page.locator('table.nodes tbody th').allTextContents()).toEqual([world.stack.node]);
    expect(await page.locator('svg.chart rect').count()).toBe(2);
    expectNothingUntoward(watched);
  });

  it('forgets the credentials on sign-out', async () => {
    const { page } = watched;
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByLabel('App id').waitFor();
    expect(await page.evaluate('sessionStorage.length')).toBe(0);
  });
});

describe('a viewer app', () => {
  it('sees clients and a client without any kick control', async () => {
    const viewer = await createApp(world, 'viewer');
    const watched = await openPage(world, { width: 390, height: 844 });
    await signIn(world, watched.page, viewer.app_id, viewer.app_secret, '#/clients?clientid=console-0&clientid_match=like');
    await eventually(() => watched.page.locator('#who').textContent()).toBe(`${viewer.app_id} (viewer)`);
    await eventually(() => clientIdsShown(watched)).toHaveLength(10);
    expect(await watched.page.getByRole('button', { name: /Kick/ }).count()).toBe(0);
    expect(await watched.page.getByRole('checkbox', { name: /^Select / }).count()).toBe(0);
    await watched.page.getByRole('link', { name: 'console-05' }).click();
    await watched.page.getByRole('heading', { name: 'Fields' }).waitFor();
    expect(await watched.page.getByRole('button', { name: /Kick/ }).count()).toBe(0);
    expectNothingUntoward(watched);
    await watched.page.context().close();
  });
});
