/**
 * Notices that the process which started this one is gone. `npm start` runs
 * node under npm; when npm is killed outright (SIGKILL), nothing tells node,
 * which would keep the whole stack running, re-parented. A re-parented
 * process's parent id changes (to 1 or to a subreaper), which is what this
 * watches for.
 */

export const PARENT_POLL_MS = 250;

/** Calls `onGone` once, when this process's parent changes; returns a function that stops watching. */
export function watchParent(onGone: () => void, intervalMs = PARENT_POLL_MS): () => void {
  const parent = process.ppid;
  const timer = setInterval(() => {
    if (process.ppid === parent) return;
    clearInterval(timer);
    onGone();
  }, intervalMs);
  // Watching alone never keeps the process alive.
  timer.unref();
  return () => clearInterval(timer);
}
