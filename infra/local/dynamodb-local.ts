/**
 * AWS's own DynamoDB Local engine, fetched through npm and run with Java.
 *
 * The engine ships in the `emulator/` folder of the npm package
 * `amplify-dynamodb-simulator`; only that folder is taken from the package
 * tarball (`npm pack`, which checks the registry's integrity hash) and kept in
 * a cache outside the work tree, so the package's own dependencies never get
 * installed.
 *
 * It runs through a small launcher (`LoopbackDynamoDbLocal.java`, compiled
 * once into the cache by the JVM's own compiler module) that binds it to
 * 127.0.0.1 and ends it when the pipe to its parent closes.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rename, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { homedir, tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { DynamoDBClient, ListTablesCommand } from '@aws-sdk/client-dynamodb';
import { holdsListeningPort } from './port-owner.js';
import { javaCommand, LocalSetupError, requireJava } from './preflight.js';

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

const LAUNCHER_SOURCE = fileURLToPath(new URL('./LoopbackDynamoDbLocal.java', import.meta.url));
const LAUNCHER_CLASS = 'LoopbackDynamoDbLocal';

function engineClassPath(directory: string): string {
  return [join(directory, 'DynamoDBLocal.jar'), join(directory, 'DynamoDBLocal_lib', '*')].join(delimiter);
}

/**
 * Returns the folder holding the compiled launcher, compiling it once per
 * version of its source. `java -m jdk.compiler/…` needs no JDK, only a
 * runtime that has the compiler module (OpenJDK's do; jlinked JREs may not).
 */
export async function ensureLauncher(directory: string, java = javaCommand()): Promise<string> {
  const source = await readFile(LAUNCHER_SOURCE);
  const target = join(directory, `launcher-${createHash('sha256').update(source).digest('hex').slice(0, 12)}`);
  if (existsSync(join(target, `${LAUNCHER_CLASS}.class`))) return target;
  const work = await mkdtemp(join(directory, '.launcher-'));
  try {
    await run(java, ['-m', 'jdk.compiler/com.sun.tools.javac.Main', '-nowarn', '-cp', engineClassPath(directory), '-d', work, LAUNCHER_SOURCE]);
  } catch (error) {
    await rm(work, { recursive: true, force: true });
    const output = `${(error as { stderr?: string }).stderr ?? ''} ${(error as Error).message}`;
    if (/jdk\.compiler not found/i.test(output)) {
      throw new LocalSetupError(
        `${java} has no jdk.compiler module, which DynamoDB Local's loopback launcher is compiled with: ` +
          'install a full OpenJDK 17 runtime (Debian/Ubuntu: openjdk-17-jre-headless) or a JDK, or set JAVA to one',
      );
    }
    throw error;
  }
  // A concurrent start may have compiled it too; either copy is the same.
  if (!existsSync(join(target, `${LAUNCHER_CLASS}.class`))) {
    await rm(target, { recursive: true, force: true });
    await rename(work, target).catch(async (error: unknown) => {
      if (!existsSync(join(target, `${LAUNCHER_CLASS}.class`))) throw error;
    });
  }
  await rm(work, { recursive: true, force: true });
  return target;
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

async function waitUntilReady(endpoint: string, child: ChildProcess, deadlineMs: number, failed: () => Error | undefined): Promise<void> {
  const client = new DynamoDBClient({ ...LOCAL_CLIENT_CONFIG, endpoint, maxAttempts: 1 });
  try {
    const deadline = Date.now() + deadlineMs;
    for (;;) {
      if (child.exitCode !== null) throw new Error(`DynamoDB Local exited with code ${child.exitCode}`);
      const failure = failed();
      if (failure) throw failure;
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

/**
 * Resolves once a DynamoDB at `endpoint` answers at all (an error answer
 * counts: what it says is for later); a connection that fails is a
 * LocalSetupError naming the endpoint and the setting it came from.
 */
export async function requireDynamoDbAt(endpoint: string, setting: string): Promise<void> {
  const client = new DynamoDBClient({ ...LOCAL_CLIENT_CONFIG, endpoint, maxAttempts: 1 });
  try {
    await client.send(new ListTablesCommand({ Limit: 1 }));
  } catch (error) {
    if ((error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode) return;
    const why = (error as NodeJS.ErrnoException).code ?? (error as Error).message;
    throw new LocalSetupError(`${setting}=${endpoint} does not answer (${why}): start the DynamoDB it names, or unset ${setting} for an in-memory DynamoDB Local`);
  } finally {
    client.destroy();
  }
}

/**
 * Starts an in-memory DynamoDB Local on a loopback port, listening on
 * 127.0.0.1 only. Its JVM ends with this process: on stop(), on exit, and
 * when this process is killed outright (its standard input, a pipe from
 * here, then closes).
 */
/** Attempts at a port found free before giving up: another process may take each one first. */
const PORT_ATTEMPTS = 3;

export async function startDynamoDbLocal(options: { port?: number } = {}): Promise<DynamoDbLocal> {
  const java = javaCommand();
  await requireJava(java);
  const directory = await ensureDynamoDbLocal();
  const launcher = await ensureLauncher(directory, java);
  for (let attempt = 1; ; attempt++) {
    const port = options.port ?? (await freePort());
    const started = await launch(java, directory, launcher, port);
    // A given port is the caller's to vouch for; a found one may have been taken before the engine bound it.
    if (options.port !== undefined || started.pid === undefined || (await holdsListeningPort(started.pid, port))) return started;
    await started.stop();
    if (attempt >= PORT_ATTEMPTS) throw new Error(`DynamoDB Local: another process took each of ${PORT_ATTEMPTS} free ports before it could listen`);
  }
}

async function launch(java: string, directory: string, launcher: string, port: number): Promise<DynamoDbLocal> {
  const child = spawn(
    java,
    [
      `-Djava.library.path=${join(directory, 'DynamoDBLocal_lib')}`,
      '-Xmx2g',
      '-cp',
      [launcher, engineClassPath(directory)].join(delimiter),
      LAUNCHER_CLASS,
      '-inMemory',
      '-port',
      String(port),
      '-disableTelemetry',
    ],
    // stdin stays an open pipe that is never written: its end tells the JVM this process is gone.
    // Detached, in its own process group: a terminal's Ctrl-C reaches this process, which stops
    // what writes to the table first, and not the JVM, which would go before their last writes.
    { cwd: directory, stdio: ['pipe', 'ignore', 'pipe'], detached: true },
  );
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr = (stderr + chunk.toString()).slice(-4000);
  });
  child.stdin?.on('error', () => undefined);
  let spawnError: Error | undefined;
  child.once('error', (error) => {
    spawnError = error;
  });
  const killOnExit = () => child.kill('SIGKILL');
  process.once('exit', killOnExit);
  const endpoint = `http://127.0.0.1:${port}`;
  try {
    await waitUntilReady(endpoint, child, 60_000, () => spawnError);
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
