/** Plain one-line logs of the local stack, with a time stamp and the part that speaks. */
import { printable } from '../printable.js';

export type LocalLog = {
  info(message: string): void;
  error(message: string, error?: unknown): void;
};

function describe(error: unknown): string {
  if (error instanceof Error) return `${error.name}: ${error.message}`;
  return String(error);
}

export function consoleLog(part: string): LocalLog {
  const stamp = () => new Date().toISOString().slice(11, 23);
  return {
    // Messages carry client ids, usernames and broker errors: one line each, whatever they hold.
    info: (message) => console.log(`${stamp()} ${part.padEnd(6)} ${printable(message)}`),
    error: (message, error) =>
      console.error(`${stamp()} ${part.padEnd(6)} ${printable(`${message}${error === undefined ? '' : `: ${describe(error)}`}`)}`),
  };
}

export const silentLog: LocalLog = { info: () => undefined, error: () => undefined };
