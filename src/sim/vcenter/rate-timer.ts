// Creates events at a steady average rate, fractions included (0.5/s is one every 2 s).
// High rates tick every 20 ms and create what is due in one go: those go out as a batch.

const MIN_TICK_MS = 20;
const MAX_TICK_MS = 1_000;

/** Calls `onDue(n)` with the events due since the last tick; returns the function that stops it. */
export function startRateTimer(ratePerSecond: number, onDue: (count: number) => void): () => void {
  if (ratePerSecond <= 0) return () => undefined;
  const tickMs = Math.min(MAX_TICK_MS, Math.max(MIN_TICK_MS, 1_000 / ratePerSecond));
  let last = performance.now();
  let owed = 0;
  const timer = setInterval(() => {
    const now = performance.now();
    // Measured, not assumed: a late tick (a busy loop) catches up instead of drifting.
    owed += ((now - last) * ratePerSecond) / 1_000;
    last = now;
    const due = Math.floor(owed + 1e-9);
    owed -= due;
    if (due > 0) onDue(due);
  }, tickMs);
  return () => clearInterval(timer);
}
