/**
 * Whether a process holds the socket listening on a port, from Linux's
 * /proc: a port found free and handed to a child may be taken by another
 * process before the child binds it (two DynamoDB Locals started at once),
 * and a client of the port would then talk to that other process.
 */
import { readdir, readFile, readlink } from 'node:fs/promises';

/** LISTEN in the `st` column of /proc/net/tcp. */
const LISTEN = '0A';

/** The socket inodes listening on `port` (IPv4 and IPv6); undefined where /proc is not there to tell. */
async function listeningInodes(port: number): Promise<Set<string> | undefined> {
  const tables = await Promise.all(['/proc/net/tcp', '/proc/net/tcp6'].map((file) => readFile(file, 'utf8').catch(() => undefined)));
  if (tables.every((table) => table === undefined)) return undefined;
  const hexPort = port.toString(16).toUpperCase().padStart(4, '0');
  const inodes = new Set<string>();
  for (const line of tables.join('\n').split('\n')) {
    // sl local_address rem_address st tx_queue:rx_queue tr:tm->when retrnsmt uid timeout inode
    const columns = line.trim().split(/\s+/);
    if (columns[1]?.endsWith(`:${hexPort}`) && columns[3] === LISTEN && columns[9]) inodes.add(columns[9]);
  }
  return inodes;
}

/** True when `pid` listens on `port`, or when this system cannot tell (no /proc). */
export async function holdsListeningPort(pid: number, port: number): Promise<boolean> {
  const inodes = await listeningInodes(port);
  if (inodes === undefined) return true;
  let descriptors: string[];
  try {
    descriptors = await readdir(`/proc/${pid}/fd`);
  } catch {
    return true;
  }
  for (const descriptor of descriptors) {
    const target = await readlink(`/proc/${pid}/fd/${descriptor}`).catch(() => '');
    const inode = /^socket:\[(\d+)\]$/.exec(target)?.[1];
    if (inode !== undefined && inodes.has(inode)) return true;
  }
  return false;
}
