/** DynamoDB Local as the stack runs it: on loopback only, and never outliving the process that started it. */
import { inject, describe, expect, it } from 'vitest';
import { freePort } from '../../../infra/local/dynamodb-local.js';
import { baseEnv, childPids, commandLine, isRunning, listeningAddresses, LOOPBACK_ADDRESSES, runStart } from './processes.js';

describe('DynamoDB Local', () => {
  it('listens on loopback only', () => {
    const port = Number(new URL(inject('dynamodbEndpoint')).port);
    const addresses = listeningAddresses(port);
    expect(addresses.length).toBeGreaterThan(0);
    for (const address of addresses) expect(LOOPBACK_ADDRESSES).toContain(address);
  });

  it('ends with npm start when that process is killed with SIGKILL', async () => {
    const start = runStart(baseEnv({ PORT: String(await freePort()), MQTT_PORT: String(await freePort()) }));
    let jvm: number | undefined;
    try {
      await expect.poll(() => start.stdout, { timeout: 90_000, interval: 100 }).toContain('Ctrl-C stops everything');
      jvm = childPids(start.child.pid!).find((pid) => commandLine(pid).includes('DynamoDBLocal'));
      expect(jvm).toBeDefined();
      expect(isRunning(jvm!)).toBe(true);

      start.child.kill('SIGKILL');
      await start.exited;
      await expect.poll(() => isRunning(jvm!), { timeout: 20_000, interval: 100 }).toBe(false);
    } finally {
      start.child.kill('SIGKILL');
      if (jvm !== undefined && isRunning(jvm)) process.kill(jvm, 'SIGKILL');
    }
  });
});
