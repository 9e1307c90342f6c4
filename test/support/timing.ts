/**
 * Room for a loaded machine in the few elapsed-time bounds the suite keeps.
 * Such a bound says "answers within its own timeout, not the library's much
 * longer default"; on two busy cores a 150 ms wait has been seen to take
 * seconds, so a bound is the timeout under test plus this margin, never a
 * tight multiple of it.
 */
export const BUSY_MACHINE_HEADROOM_MS = 8_000;
