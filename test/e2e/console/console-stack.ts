/**
 * The console's browser tests' world: one local stack, one Chromium
 * (Debian's, driven by playwright-core), real MQTT clients, and what each
 * page did that it must not (dialogs, CSP refusals, requests off the API's
 * origin).
 */
import { chromium, type Browser, type Page } from 'playwright-core';
import { runAppsCommand } from '../../../infra/apps/cli.js';
import { apiClient, MqttClients, startE2eStack, type E2eStack } from '../local-stack.js';

export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

export type ConsoleWorld = {
  stack: E2eStack;
  browser: Browser;
  api: ReturnType<typeof apiClient>;
  mqtt: MqttClients;
  close(): Promise<void>;
};

export async function startConsoleWorld(): Promise<ConsoleWorld> {
  const [stack, browser] = await Promise.all([startE2eStack(), chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] })]);
  const mqtt = new MqttClients(() => stack.mqttUrl);
  return {
    stack,
    browser,
    api: apiClient(stack),
    mqtt,
    close: async () => {
      await mqtt.closeAll();
      await browser.close();
      await stack.close();
    },
  };
}

export type Watched = { page: Page; dialogs: string[]; refusals: string[]; foreign: string[] };

/** A fresh page (its own sessionStorage) at 1280×800, or another viewport. */
export async function openPage(world: ConsoleWorld, viewport = { width: 1280, height: 800 }): Promise<Watched> {
  const context = await world.browser.newContext({ viewport });
  const page = await context.newPage();
  const watched: Watched = { page, dialogs: [], refusals: [], foreign: [] };
  page.on('dialog', (dialog) => {
    watched.dialogs.push(dialog.message());
    void dialog.dismiss();
  });
  page.on('console', (message) => {
    if (/Content Security Policy|Refused to/i.test(message.text())) watched.refusals.push(message.text());
  });
  page.on('request', (request) => {
    if (!request.url().startsWith(`${world.stack.apiUrl}/`)) watched.foreign.push(request.url());
  });
  return watched;
}

export async function signIn(world: ConsoleWorld, page: Page, appId: string, secret: string, hash = ''): Promise<void> {
  await page.goto(`${world.stack.apiUrl}/console${hash}`);
  await page.getByLabel('App id').fill(appId);
  await page.getByLabel('Secret').fill(secret);
  await page.getByRole('button', { name: 'Sign in' }).click();
}

export async function createApp(world: ConsoleWorld, role: 'viewer' | 'administrator'): Promise<{ app_id: string; app_secret: string }> {
  const { stack } = world;
  const output = await runAppsCommand(['create', `console ${role}`], { table: stack.appsTableName, region: 'us-east-1', endpoint: stack.dynamodbEndpoint, json: true, role });
  return JSON.parse(output) as { app_id: string; app_secret: string };
}

/** Resolves once the API lists every one of these client ids. */
export async function listed(world: ConsoleWorld, clientids: string[]): Promise<void> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    const missing = [];
    for (const id of clientids) if (!(await world.api.client(id))) missing.push(id);
    if (missing.length === 0) return;
    if (Date.now() > deadline) throw new Error(`not listed: ${missing.join(', ')}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
