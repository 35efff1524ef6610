/**
 * Sandbox time = real time + an offset that only moves forward through {@link SandboxClock.advance}.
 * Token expiry, code lifetime and rate-limit windows all read this clock, so tests can jump hours ahead.
 */
export class SandboxClock {
  private offsetMs = 0;
  private readonly listeners = new Set<() => void>();

  constructor(private readonly realNow: () => number = Date.now) {}

  /** Sandbox time in milliseconds since the epoch. */
  nowMs(): number {
    return this.realNow() + this.offsetMs;
  }

  /** Sandbox time in whole Unix seconds. */
  nowSeconds(): number {
    return Math.floor(this.nowMs() / 1000);
  }

  /** Offset from real time, in seconds. */
  offsetSeconds(): number {
    return this.offsetMs / 1000;
  }

  advance(seconds: number): void {
    this.offsetMs += seconds * 1000;
    for (const listener of this.listeners) listener();
  }

  /** Calls `listener` after every jump (what is due at the new time runs then); returns the unsubscribe. */
  onAdvance(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  reset(): void {
    this.offsetMs = 0;
  }
}
