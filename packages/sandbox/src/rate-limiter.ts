import type { SandboxClock } from './clock.js';

/** Frequency limits (wecom-api.md §9.2); every threshold is configurable. */
export interface RateLimits {
  /** Calls per minute per (corp, api). Default 10 000. */
  corpPerMinute: number;
  /** Calls per hour per (corp, api). Default 150 000. */
  corpPerHour: number;
  /** Calls per minute per (caller ip, api). Default 20 000. */
  ipPerMinute: number;
  /** Calls per hour per (caller ip, api). Default 600 000. */
  ipPerHour: number;
  /** Wrong-secret gettoken calls per hour from one IP before that IP is blocked for an hour. Default 2000. */
  badSecretPerHour: number;
  /** Requests in flight per (corp, api) before 45033. Default 300 (the old 企业号 figure; the current one is unknown). */
  concurrentPerCorpApi: number;
}

export const DEFAULT_RATE_LIMITS: Readonly<RateLimits> = Object.freeze({
  corpPerMinute: 10_000,
  corpPerHour: 150_000,
  ipPerMinute: 20_000,
  ipPerHour: 600_000,
  badSecretPerHour: 2000,
  concurrentPerCorpApi: 300,
});

const MINUTE = 60;
const HOUR = 3600;

interface Window {
  startMs: number;
  count: number;
}

/**
 * Fixed-window counters on the sandbox clock. Once a window's count passes its limit every further call in that
 * window is refused, which is WeCom's "blocked for the rest of the window" (按分钟拦截则被屏蔽60秒…).
 */
export class RateLimiter {
  private readonly windows = new Map<string, Window>();
  private readonly badSecretBlockedUntil = new Map<string, number>();
  private readonly inFlight = new Map<string, number>();

  constructor(
    private readonly clock: SandboxClock,
    readonly limits: RateLimits,
  ) {}

  private count(key: string, windowSeconds: number, max: number): boolean {
    const sizeMs = windowSeconds * 1000;
    const startMs = Math.floor(this.clock.nowMs() / sizeMs) * sizeMs;
    const id = `${key}\u0000${windowSeconds}`;
    let window = this.windows.get(id);
    if (window === undefined || window.startMs !== startMs) {
      window = { startMs, count: 0 };
      this.windows.set(id, window);
    }
    window.count += 1;
    return window.count <= max;
  }

  /** Counts a call of `api` by `ip`; false when the IP is over a limit. */
  allowIp(ip: string, api: string): boolean {
    const key = `ip\u0000${ip}\u0000${api}`;
    const minute = this.count(key, MINUTE, this.limits.ipPerMinute);
    const hour = this.count(key, HOUR, this.limits.ipPerHour);
    return minute && hour;
  }

  /** Counts a call of `api` for `corpId`; false when the corp is over a limit. */
  allowCorp(corpId: string, api: string): boolean {
    const key = `corp\u0000${corpId}\u0000${api}`;
    const minute = this.count(key, MINUTE, this.limits.corpPerMinute);
    const hour = this.count(key, HOUR, this.limits.corpPerHour);
    return minute && hour;
  }

  isBadSecretBlocked(ip: string): boolean {
    const until = this.badSecretBlockedUntil.get(ip);
    return until !== undefined && until > this.clock.nowMs();
  }

  /** Records a wrong-secret gettoken; the Nth in an hour blocks the IP for an hour. */
  recordBadSecret(ip: string): void {
    if (!this.count(`badsecret\u0000${ip}`, HOUR, this.limits.badSecretPerHour - 1)) {
      this.badSecretBlockedUntil.set(ip, this.clock.nowMs() + HOUR * 1000);
    }
  }

  /** Takes a concurrency slot of (corp, api); false (and nothing taken) when all are in use. */
  acquire(corpId: string, api: string): boolean {
    const key = `${corpId}\u0000${api}`;
    const current = this.inFlight.get(key) ?? 0;
    if (current >= this.limits.concurrentPerCorpApi) return false;
    this.inFlight.set(key, current + 1);
    return true;
  }

  release(corpId: string, api: string): void {
    const key = `${corpId}\u0000${api}`;
    const current = this.inFlight.get(key) ?? 0;
    if (current <= 1) this.inFlight.delete(key);
    else this.inFlight.set(key, current - 1);
  }

  /** Forgets counters and blocks; requests still in flight keep their slots. */
  reset(): void {
    this.windows.clear();
    this.badSecretBlockedUntil.clear();
  }
}
