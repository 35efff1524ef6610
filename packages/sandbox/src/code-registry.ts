import type { SandboxClock } from './clock.js';
import type { RandomSource } from './random-source.js';

/** wx.qy.login codes live five minutes (wecom-api.md §3.4). */
export const CODE_TTL_SECONDS = 300;

export interface CodeBinding {
  miniProgramAppId: string;
  corpId: string;
  userid: string;
  expiresAtMs: number;
  /** Set when `wx.qy.login({ suiteId })` named the suite: only that suite's token may exchange the code. */
  suiteId?: string;
}

/** Login codes as `wx.qy.login` would hand them out: single use, five minutes, bound to (mini program, corp, user). */
export class CodeRegistry {
  private readonly codes = new Map<string, CodeBinding>();

  constructor(
    private readonly clock: SandboxClock,
    private readonly random: RandomSource,
  ) {}

  mint(
    miniProgramAppId: string,
    corpId: string,
    userid: string,
    suiteId?: string,
  ): { code: string; expiresIn: number } {
    const code = this.random.bytes(16).toString('hex');
    this.codes.set(code, {
      miniProgramAppId,
      corpId,
      userid,
      expiresAtMs: this.clock.nowMs() + CODE_TTL_SECONDS * 1000,
      ...(suiteId === undefined ? {} : { suiteId }),
    });
    return { code, expiresIn: CODE_TTL_SECONDS };
  }

  /** The binding of a live code, without consuming it. */
  peek(code: string): CodeBinding | undefined {
    const binding = this.codes.get(code);
    if (binding === undefined) return undefined;
    if (binding.expiresAtMs <= this.clock.nowMs()) {
      this.codes.delete(code);
      return undefined;
    }
    return binding;
  }

  consume(code: string): void {
    this.codes.delete(code);
  }

  clear(): void {
    this.codes.clear();
  }
}
