/**
 * AWS's own DynamoDB Local engine, fetched through npm and run with Java.
 *
 * The engine ships in the `emulator/` folder of the npm package
 * `amplify-dynamodb-simulator`; only that folder is taken from the package
 * tarball (`npm pack`, which checks the registry's integrity hash) and kept in
 * a cache outside the work tree, so the package's own dependencies never get
 * installed.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rename, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { DynamoDBClient, ListTablesCommand } from '@aws-sdk/client-dynamodb';

const run = promisify(execFile);

/** The pinned package version; it carries DynamoDB Local 1.25.1. */
export const SIMULATOR_PACKAGE = 'amplify-dynamodb-simulator@2.9.30';

export function cacheDirectory(): string {
  const base = process.env.DYNAMODB_LOCAL_CACHE ?? join(process.env.XDG_CACHE_HOME ?? join(homedir(), '.cache'), 'mqtt-clients-api');
  return join(base, SIMULATOR_PACKAGE.replace('@', '-'));
}

/** Returns the folder holding DynamoDBLocal.jar, fetching it once. */
export async function ensureDynamoDbLocal(): Promise<string> {
  const target = cacheDirectory();
  if (existsSync(join(target, 'DynamoDBLocal.jar'))) return target;
  const work = await mkdtemp(join(tmpdir(), 'dynamodb-local-'));
  try {
    const { stdout } = await run('npm', ['pack', SIMULATOR_PACKAGE, '--json', '--pack-destination', work], {
      maxBuffer: 64 * 1024 * 1024,
    });
    const [packed] = JSON.parse(stdout) as Array<{ filename: string }>;
    if (!packed) throw new Error(`npm pack ${SIMULATOR_PACKAGE} produced no tarball`);
    await run('tar', ['-xzf', join(work, packed.filename), '-C', work, 'package/emulator']);
    await mkdir(join(target, '..'), { recursive: true });
    // A concurrent fetch may have won the race; either copy is the same.
    if (!existsSync(join(target, 'DynamoDBLocal.jar'))) {
      await rm(target, { recursive: true, force: true });
      await rename(join(work, 'package', 'emulator'), target);
    }
    return target;
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

export type DynamoDbLocal = {
  endpoint: string;
  /** The JVM's process id (tests freeze it with SIGSTOP to stand for a stalled DynamoDB). */
  pid: number | undefined;
  stop(): Promise<void>;
};

/** Credentials DynamoDB Local accepts; tables are scoped to them and the region. */
export const LOCAL_CLIENT_CONFIG = {
  region: 'us-east-1',
  credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
} as const;

async function waitUntilReady(endpoint: string, child: ChildProcess, deadlineMs: number): Promise<void> {
  const client = new DynamoDBClient({ ...LOCAL_CLIENT_CONFIG, endpoint, maxAttempts: 1 });
  try {
    const deadline = Date.now() + deadlineMs;
    for (;;) {
      if (child.exitCode !== null) throw new Error(`DynamoDB Local exited with code ${child.exitCode}`);
      try {
        await client.send(new ListTablesCommand({}));
        return;
      } catch (error) {
        if (Date.now() > deadline) throw new Error(`DynamoDB Local did not answer at ${endpoint}: ${String(error)}`);
        await new Promise((r) => setTimeout(r, 100));
      }
    }
  } finally {
    client.destroy();
  }
}

/** Starts an in-memory DynamoDB Local on a loopback port. */
export async function startDynamoDbLocal(options: { port?: number } = {}): Promise<DynamoDbLocal> {
  const directory = await ensureDynamoDbLocal();
  const port = options.port ?? (await freePort());
  const child = spawn(
    process.env.JAVA ?? 'java',
    [
      `-Djava.library.path=${join(directory, 'DynamoDBLocal_lib')}`,
      '-Xmx2g',
      '-jar',
      join(directory, 'DynamoDBLocal.jar'),
      '-inMemory',
      '-port',
      String(port),
    ],
    { cwd: directory, stdio: ['ignore', 'ignore', 'pipe'] },
  );
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr = (stderr + chunk.toString()).slice(-4000);
  });
  const killOnExit = () => child.kill('SIGKILL');
  process.once('exit', killOnExit);
  const endpoint = `http://127.0.0.1:${port}`;
  try {
    await waitUntilReady(endpoint, child, 60_000);
  } catch (error) {
    child.kill('SIGKILL');
    throw new Error(`${(error as Error).message}\n${stderr}`);
  }
  return {
    endpoint,
    pid: child.pid,
    stop: async () => {
      process.removeListener('exit', killOnExit);
      if (child.exitCode !== null) return;
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
      await exited;
      clearTimeout(timer);
    },
  };
}
