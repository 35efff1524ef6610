/**
 * The per-corp login budget: how many logins a minute and an hour one corp may send to WeCom's `jscode2session`,
 * counted across every instance (in Redis when there is one). WeCom blocks a corp that passes 10,000 calls of one API
 * a minute for the rest of that minute, and 150,000 an hour for an hour (`45009`): every employee is then locked out.
 * The gateway sheds the logins past its budget with `429 login_budget_exhausted` first, so WeCom never gets there.
 *
 * A flood from many addresses would spend the budget as surely as WeCom's quota. So the last fifth of it is kept for
 * addresses that logged in successfully before (an office's egress address, a phone's carrier address): once the
 * open four fifths are spent, only they still get through. Which addresses are proven is remembered per instance for
 * a day; an address new to this instance waits for the next window.
 */
import { createHash } from 'node:crypto';
import type { Cluster, Redis } from 'ioredis';
import { LRUCache } from 'lru-cache';

/**
 * What {@link CorpLoginBudget.take} decided.
 *
 * @example
 * const decision: BudgetDecision = await budget.take(corpId, clientIp);
 * if (!decision.allowed) reply.header('retry-after', String(decision.retryAfterSeconds));
 */
export type BudgetDecision =
  | { readonly allowed: true }
  /** Shed: retry after this many seconds (when the window that is spent ends). */
  | { readonly allowed: false; readonly retryAfterSeconds: number };

/**
 * The budget's limits, where it counts, and how its reserve works.
 *
 * @example
 * const options: CorpLoginBudgetOptions = { perMinute: 6_000, perHour: 100_000, now: Date.now };
 */
export interface CorpLoginBudgetOptions {
  readonly perMinute: number;
  readonly perHour: number;
  /** Counters shared by every instance; in this process when absent. */
  readonly redis?: Redis | Cluster | undefined;
  readonly now: () => number;
  /** The share of each budget kept for proven addresses. Default 0.2. */
  readonly reservedShare?: number;
  /** How long an address stays proven after a successful login. Default a day. */
  readonly provenForMs?: number;
  /** The most proven addresses remembered; the one that logged in least recently is forgotten first. Default 10,000. */
  readonly provenMax?: number;
}

const minuteMs = 60_000;
const hourMs = 3_600_000;
const keyPrefix = 'wecom-auth:loginbudget:';

/**
 * KEYS: minute counter, hour counter. ARGV: minute limit, hour limit, minute TTL ms, hour TTL ms. Counts the login
 * only when both counters are under their limits, so shed logins spend nothing. Returns 0 (taken), 1 (the minute is
 * spent) or 2 (the hour is spent).
 */
const takeScript = `
local minute = tonumber(redis.call('GET', KEYS[1]) or '0')
local hour = tonumber(redis.call('GET', KEYS[2]) or '0')
if hour >= tonumber(ARGV[2]) then return 2 end
if minute >= tonumber(ARGV[1]) then return 1 end
if redis.call('INCR', KEYS[1]) == 1 then redis.call('PEXPIRE', KEYS[1], ARGV[3]) end
if redis.call('INCR', KEYS[2]) == 1 then redis.call('PEXPIRE', KEYS[2], ARGV[4]) end
return 0
`;
const takeScriptSha = createHash('sha1').update(takeScript).digest('hex');

interface Window {
  readonly start: number;
  count: number;
}

/**
 * One budget for every corp a gateway serves (each corp counted apart).
 *
 * @example
 * const budget = new CorpLoginBudget({ perMinute: 6_000, perHour: 100_000, redis, now: Date.now });
 * if ((await budget.take(corpId, clientIp)).allowed) { … call jscode2session … }
 * budget.proven(corpId, clientIp); // after a successful login
 */
export class CorpLoginBudget {
  readonly #options: CorpLoginBudgetOptions;
  readonly #windows = new Map<string, Window>();
  /** `corp\0address` → until when it is proven; past the bound, the address that logged in least recently goes. */
  readonly #proven: LRUCache<string, number>;

  constructor(options: CorpLoginBudgetOptions) {
    this.#options = options;
    this.#proven = new LRUCache({ max: options.provenMax ?? 10_000 });
  }

  /** Takes one login of `corpId` from `clientIp` from the budget, or says how long to wait. */
  async take(corpId: string, clientIp: string): Promise<BudgetDecision> {
    const { perMinute, perHour } = this.#options;
    const open = 1 - (this.#options.reservedShare ?? 0.2);
    const proven = this.#isProven(corpId, clientIp);
    // However small the budget, an address never seen can still log in: the reserve is what is left over.
    const minuteLimit = proven ? perMinute : Math.max(1, Math.floor(perMinute * open));
    const hourLimit = proven ? perHour : Math.max(1, Math.floor(perHour * open));
    const at = this.#options.now();
    const minuteStart = Math.floor(at / minuteMs) * minuteMs;
    const hourStart = Math.floor(at / hourMs) * hourMs;
    const spent = await this.#take(corpId, minuteStart, hourStart, minuteLimit, hourLimit);
    if (spent === 0) return { allowed: true };
    const end = spent === 2 ? hourStart + hourMs : minuteStart + minuteMs;
    return { allowed: false, retryAfterSeconds: Math.max(1, Math.ceil((end - at) / 1000)) };
  }

  /** A login from `clientIp` to `corpId` succeeded: the address may use the reserve for a day. */
  proven(corpId: string, clientIp: string): void {
    this.#proven.set(
      `${corpId}\u0000${clientIp}`,
      this.#options.now() + (this.#options.provenForMs ?? 86_400_000),
    );
  }

  #isProven(corpId: string, clientIp: string): boolean {
    const key = `${corpId}\u0000${clientIp}`;
    const until = this.#proven.get(key);
    if (until === undefined) return false;
    if (until > this.#options.now()) return true;
    this.#proven.delete(key);
    return false;
  }

  async #take(
    corpId: string,
    minuteStart: number,
    hourStart: number,
    minuteLimit: number,
    hourLimit: number,
  ): Promise<0 | 1 | 2> {
    // One script reads both counters: the corp is their hash tag, so that on a Redis Cluster they share a slot.
    const minuteKey = `${keyPrefix}{c:${encodeURIComponent(corpId)}}:m:${minuteStart}`;
    const hourKey = `${keyPrefix}{c:${encodeURIComponent(corpId)}}:h:${hourStart}`;
    const { redis } = this.#options;
    if (redis) {
      try {
        const args = [minuteKey, hourKey, minuteLimit, hourLimit, 2 * minuteMs, 2 * hourMs] as const;
        // By its SHA: the script's text travels once per server (after a restart or a failover, on NOSCRIPT).
        const spent = await redis.evalsha(takeScriptSha, 2, ...args).catch((error: unknown) => {
          if (!(error instanceof Error) || !error.message.startsWith('NOSCRIPT')) throw error;
          return redis.eval(takeScript, 2, ...args);
        });
        return spent === 1 || spent === 2 ? spent : 0;
      } catch {
        // Redis away: the login goes on (it needs the store, which answers 503 by itself), as the rate limit does.
        return 0;
      }
    }
    const minute = this.#window(`${corpId}\u0000m`, minuteStart);
    const hour = this.#window(`${corpId}\u0000h`, hourStart);
    if (hour.count >= hourLimit) return 2;
    if (minute.count >= minuteLimit) return 1;
    minute.count += 1;
    hour.count += 1;
    return 0;
  }

  /** The counter of one corp and window length, reset when a new window began. */
  #window(key: string, start: number): Window {
    let window = this.#windows.get(key);
    if (window === undefined || window.start !== start) {
      window = { start, count: 0 };
      this.#windows.set(key, window);
    }
    return window;
  }
}
