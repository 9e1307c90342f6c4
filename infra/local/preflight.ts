/**
 * What the local stack needs before it starts anything: a Java runtime for
 * DynamoDB Local and free ports. Each missing piece is one line saying what
 * to do, instead of a failure halfway through the start.
 */
import { execFile } from 'node:child_process';
import { createServer } from 'node:net';

/**
 * The AWS SDK's own switch for its warning that a future SDK release will need
 * a newer Node.js (checked by @aws-sdk/core's emitWarningIfUnsupportedVersion
 * when a client is made). Set for this process and its children only, and
 * only when unset, so `AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED=false`
 * brings the warning back.
 */
export function quietAwsSdk(env: NodeJS.ProcessEnv = process.env): void {
  env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
}

/** A start-up failure whose message is the whole story: printed as one line, without a stack. */
export class LocalSetupError extends Error {
  override name = 'LocalSetupError';
}

export const JAVA_MISSING =
  'Java not found: DynamoDB Local needs a Java 17 (or later) runtime on PATH ' +
  '(Debian/Ubuntu: apt-get install openjdk-17-jre-headless; macOS: brew install openjdk@17), or JAVA set to a java binary';

/** The java binary DynamoDB Local runs with: `JAVA`, else `java` on PATH. */
export function javaCommand(env: NodeJS.ProcessEnv = process.env): string {
  return env.JAVA || 'java';
}

/** What a `JAVA` that names no runnable binary says: its value, since PATH was never searched. */
export function javaPointsNowhere(value: string, code: string | undefined): string {
  const why = code === 'EACCES' ? 'not an executable file' : 'no such file';
  return `JAVA=${value} points nowhere (${why}): set JAVA to a java binary of Java 17 or later, or unset it to use java on PATH`;
}

/** Resolves when `java -version` runs; a missing binary is a LocalSetupError naming what to install, or what JAVA says. */
export function requireJava(java = javaCommand(), env: NodeJS.ProcessEnv = process.env): Promise<void> {
  return new Promise((resolve, reject) => {
    execFile(java, ['-version'], { env, timeout: 30_000 }, (error) => {
      if (!error) return resolve();
      const code = (error as NodeJS.ErrnoException).code;
      const fromJava = Boolean(env.JAVA) && java === env.JAVA;
      if (code === 'ENOENT' || code === 'EACCES') return reject(new LocalSetupError(fromJava ? javaPointsNowhere(java, code) : JAVA_MISSING));
      reject(new LocalSetupError(`${fromJava ? 'JAVA=' : ''}${java} -version failed: ${error.message.split('\n')[0]}`));
    });
  });
}

export type PortClaim = { port: number; setting: string };

function checkPort(host: string, { port, setting }: PortClaim): Promise<void> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', (error: NodeJS.ErrnoException) => {
      const why = error.code === 'EADDRINUSE' ? 'is in use' : `cannot be opened (${error.code ?? error.message})`;
      reject(new LocalSetupError(`port ${port} on ${host} ${why}: stop what holds it, or choose another with ${setting}=<port>`));
    });
    probe.listen({ port, host, exclusive: true }, () => probe.close(() => resolve()));
  });
}

/** Fails on the first port that cannot be listened on; port 0 (any free port) always can. */
export async function requirePortsFree(host: string, claims: readonly PortClaim[]): Promise<void> {
  for (const claim of claims) {
    if (claim.port !== 0) await checkPort(host, claim);
  }
}
