/** `npm start` as a child process, and what Linux's /proc tells about processes and listening sockets. */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, symlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO_ROOT = fileURLToPath(new URL('../../../', import.meta.url));

export type StartProcess = {
  child: ChildProcess;
  /** Everything printed so far. */
  readonly stdout: string;
  readonly stderr: string;
  exited: Promise<number | null>;
};

export type StartHow = {
  /** Through npm (`npm start`, whose child is node) rather than node itself. */
  viaNpm?: boolean;
  /** In a process group of its own, as a terminal runs a foreground command: `process.kill(-pid)` is a Ctrl-C. */
  ownProcessGroup?: boolean;
};

/** Runs `npm start`'s command (node with tsx, infra/local/start.ts), or `npm start` itself, with the given environment. */
export function runStart(env: NodeJS.ProcessEnv, how: StartHow = {}): StartProcess {
  const [command, args] = how.viaNpm ? ['npm', ['start']] : [process.execPath, ['--import', 'tsx', 'infra/local/start.ts']];
  const child = spawn(command, args, {
    cwd: REPO_ROOT,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: how.ownProcessGroup ?? false,
  });
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return {
    child,
    get stdout() {
      return stdout;
    },
    get stderr() {
      return stderr;
    },
    exited,
  };
}

/** A PATH holding only this node binary: a machine without Java (or anything else). */
export async function pathWithOnlyNode(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'only-node-'));
  await symlink(process.execPath, join(dir, 'node'));
  return dir;
}

/** The environment of this process without the variables a test sets itself. */
export function baseEnv(overrides: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const env = { ...process.env };
  for (const name of ['PORT', 'MQTT_PORT', 'DYNAMODB_ENDPOINT', 'AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED', 'VITEST', 'VITEST_WORKER_ID', 'VITEST_POOL_ID', 'NODE_OPTIONS']) {
    delete env[name];
  }
  return { ...env, ...overrides };
}

/** The direct children of a process (Linux). */
export function childPids(pid: number): number[] {
  const file = `/proc/${pid}/task/${pid}/children`;
  if (!existsSync(file)) return [];
  return readFileSync(file, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number);
}

/** Every process below a process (Linux), children first. */
export function descendantPids(pid: number): number[] {
  return childPids(pid).flatMap((child) => [child, ...descendantPids(child)]);
}

export function commandLine(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').replaceAll('\0', ' ');
  } catch {
    return '';
  }
}

/** Whether a process still runs: it exists and is not a zombie waiting for a parent to reap it. */
export function isRunning(pid: number): boolean {
  let stat: string;
  try {
    stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return false;
  }
  // "pid (comm) S …": the state follows the last ")".
  const state = stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
  return state !== 'Z' && state !== 'X';
}

/** The local addresses listening on a TCP port (Linux's /proc/net/tcp and tcp6), as hex, e.g. `0100007F`. */
export function listeningAddresses(port: number): string[] {
  const portHex = port.toString(16).toUpperCase().padStart(4, '0');
  const addresses: string[] = [];
  for (const table of ['/proc/net/tcp', '/proc/net/tcp6']) {
    if (!existsSync(table)) continue;
    for (const line of readFileSync(table, 'utf8').split('\n').slice(1)) {
      const fields = line.trim().split(/\s+/);
      const [address, localPort] = (fields[1] ?? '').split(':');
      // State 0A is LISTEN.
      if (localPort === portHex && fields[3] === '0A' && address) addresses.push(address);
    }
  }
  return addresses;
}

/** /proc spellings of loopback: 127.0.0.1, ::1, and ::ffff:127.0.0.1. */
export const LOOPBACK_ADDRESSES = ['0100007F', '00000000000000000000000001000000', '0000000000000000FFFF00000100007F'];
