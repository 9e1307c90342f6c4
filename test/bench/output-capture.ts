/**
 * What a handler writes to stdout and stderr while it runs (log lines and EMF
 * metric lines both go there in Lambda, and CloudWatch Logs bills their bytes).
 */
export type CapturedOutput = { lines: string[]; bytes: number };

type Write = typeof process.stdout.write;

/** Runs `work` with stdout and stderr captured (and not shown). */
export async function captureOutput<T>(work: () => Promise<T>): Promise<{ result: T; output: CapturedOutput }> {
  const output: CapturedOutput = { lines: [], bytes: 0 };
  const streams = [process.stdout, process.stderr];
  const originals = streams.map((stream) => stream.write);
  for (const stream of streams) {
    stream.write = ((chunk: string | Uint8Array, ...rest: unknown[]) => {
      const text = typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8');
      output.lines.push(...text.split('\n').filter((line) => line.length > 0));
      output.bytes += Buffer.byteLength(text, 'utf8');
      const callback = rest.find((arg) => typeof arg === 'function') as (() => void) | undefined;
      callback?.();
      return true;
    }) as Write;
  }
  try {
    return { result: await work(), output };
  } finally {
    streams.forEach((stream, i) => (stream.write = originals[i]!));
  }
}
