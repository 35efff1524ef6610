import { encryptMiniProgramData, signRawData } from '@wecom-auth/crypto';
import { z } from 'zod';
import type { CallSummary } from './call-log.js';
import { type DirectoryFixture, describeIssues } from './directory-schema.js';
import { SandboxError } from './errors.js';
import { type Fault, faultSpecSchema } from './fault-injector.js';
import type { SandboxState } from './sandbox-state.js';

const idSchema = z.string().min(1).max(128);

export const loginInputSchema = z.strictObject({
  userid: idSchema,
  corpid: idSchema.optional(),
  appid: idSchema.optional(),
});
export const oauthCodeInputSchema = z.strictObject({ userid: idSchema, corpid: idSchema.optional() });
export const clockInputSchema = z.strictObject({
  advanceSeconds: z
    .number()
    .finite()
    .min(0)
    .max(10 * 365 * 86_400),
});
export const tokenFilterSchema = z.strictObject({
  corpid: idSchema.optional(),
  agentId: z.number().int().positive().optional(),
});
export const encryptInputSchema = z.strictObject({
  userid: idSchema,
  corpid: idSchema.optional(),
  appid: idSchema.optional(),
  kind: z.enum(['mobile', 'email', 'userinfo']),
});

/** Input of {@link SandboxControl.login}; corpid and appid default to the first corp and its mini program. */
export type LoginInput = z.input<typeof loginInputSchema>;
/** Input of {@link SandboxControl.oauthCode}; corpid defaults to the first corp. */
export type OAuthCodeInput = z.input<typeof oauthCodeInputSchema>;
/** Input of {@link SandboxControl.addFault}. */
export type FaultInput = z.input<typeof faultSpecSchema>;
/** Input of {@link SandboxControl.expireTokens} and {@link SandboxControl.revokeTokens}. */
export type TokenFilterInput = z.input<typeof tokenFilterSchema>;
/** Input of {@link SandboxControl.encrypt}. */
export type EncryptInput = z.input<typeof encryptInputSchema>;

export interface LoginResult {
  code: string;
  expiresIn: number;
}
export interface ClockState {
  /** Sandbox time, ISO 8601. */
  now: string;
  unixSeconds: number;
  offsetSeconds: number;
}
export interface EncryptResult {
  encryptedData: string;
  iv: string;
  /** Only for `userinfo`: the JSON text `signature` is computed over. */
  rawData?: string;
  /** Only for `userinfo`: `sha1(rawData + session_key)`. */
  signature?: string;
}

/** Validates control input; the in-process handle treats bad input as programmer misuse. */
export function parseControlInput<S extends z.ZodType>(schema: S, input: unknown): z.output<S> {
  const result = schema.safeParse(input);
  if (result.success) return result.data;
  throw new TypeError(describeIssues(result.error).join('; '));
}

/**
 * The sandbox's control operations, shared by the `/__sandbox/*` HTTP API and the in-process handle returned by
 * `createSandbox`. Input errors throw `TypeError`; unknown users, corps and missing sessions throw {@link SandboxError}.
 *
 * @example
 * ```ts
 * const { code } = sandbox.control.login({ userid: 'zhangsan' });
 * sandbox.control.addFault({ path: '/cgi-bin/gettoken', errcode: -1, count: 1 });
 * sandbox.control.advanceClock(7200);
 * ```
 */
export class SandboxControl {
  constructor(private readonly state: SandboxState) {}

  private resolveUser(input: { userid: string; corpid?: string | undefined; appid?: string | undefined }) {
    const { directory } = this.state;
    const corp = input.corpid === undefined ? directory.fixture.corps[0] : directory.corp(input.corpid);
    if (corp === undefined)
      throw new SandboxError('unknown_corp', `no corp ${input.corpid ?? ''} in the directory`);
    const user = directory.user(corp, input.userid);
    if (user === undefined) {
      throw new SandboxError('unknown_user', `no user ${input.userid} in corp ${corp.corpId}`);
    }
    const appId =
      input.appid ??
      corp.apps.find((app) => app.miniProgramAppId !== null)?.miniProgramAppId ??
      directory.fixture.miniPrograms[0]?.appId;
    if (appId === undefined || !directory.hasMiniProgram(appId)) {
      throw new SandboxError('unknown_mini_program', `no mini program ${appId ?? ''} in the directory`);
    }
    return { corp, user, appId };
  }

  /** Mints a `wx.qy.login` code for a member: single use, valid 300 s on the sandbox clock. */
  login(input: LoginInput): LoginResult {
    const { corp, user, appId } = this.resolveUser(parseControlInput(loginInputSchema, input));
    return this.state.codes.mint(appId, corp.corpId, user.userid);
  }

  /** Mints a web OAuth code (as after the 企业微信 OAuth redirect) for `auth/getuserinfo`: single use, 300 s. */
  oauthCode(input: OAuthCodeInput): LoginResult {
    const parsed = parseControlInput(oauthCodeInputSchema, input);
    const { directory } = this.state;
    const corp = parsed.corpid === undefined ? directory.fixture.corps[0] : directory.corp(parsed.corpid);
    if (corp === undefined)
      throw new SandboxError('unknown_corp', `no corp ${parsed.corpid ?? ''} in the directory`);
    const user = directory.user(corp, parsed.userid);
    if (user === undefined)
      throw new SandboxError('unknown_user', `no user ${parsed.userid} in corp ${corp.corpId}`);
    return this.state.oauthCodes.mint('', corp.corpId, user.userid);
  }

  /** Registers a fault; see {@link FaultInput}. */
  addFault(input: FaultInput): { id: string } {
    return { id: this.state.faults.add(parseControlInput(faultSpecSchema, input)).id };
  }

  faults(): Fault[] {
    return this.state.faults.list();
  }

  /** Removes one fault by id, or all of them. */
  clearFaults(id?: string): void {
    if (id === undefined) {
      this.state.faults.clear();
      return;
    }
    if (!this.state.faults.remove(id)) throw new SandboxError('unknown_fault', `no fault ${id}`);
  }

  clock(): ClockState {
    const { clock } = this.state;
    return {
      now: new Date(clock.nowMs()).toISOString(),
      unixSeconds: clock.nowSeconds(),
      offsetSeconds: clock.offsetSeconds(),
    };
  }

  /** Moves sandbox time forward: tokens, codes and rate windows all follow. */
  advanceClock(seconds: number): ClockState {
    const { advanceSeconds } = parseControlInput(clockInputSchema, { advanceSeconds: seconds });
    this.state.clock.advance(advanceSeconds);
    return this.clock();
  }

  /** Every matching live token answers 42001 from now on. */
  expireTokens(filter: TokenFilterInput = {}): { expired: number } {
    return { expired: this.state.tokens.mark(parseControlInput(tokenFilterSchema, filter), 'expired') };
  }

  /** Every matching live token answers 40014 from now on. */
  revokeTokens(filter: TokenFilterInput = {}): { revoked: number } {
    return { revoked: this.state.tokens.mark(parseControlInput(tokenFilterSchema, filter), 'revoked') };
  }

  calls(): CallSummary {
    return this.state.calls.summary();
  }

  resetCalls(): void {
    this.state.calls.reset();
  }

  /**
   * What `wx.qy.getMobile`, `wx.qy.getEmail` or `wx.qy.getEnterpriseUserInfo` would hand the mini program,
   * encrypted with the member's latest session_key. Throws `no_session` before a successful jscode2session.
   */
  encrypt(input: EncryptInput): EncryptResult {
    const parsed = parseControlInput(encryptInputSchema, input);
    const { corp, user, appId } = this.resolveUser(parsed);
    const sessionKey = this.state.sessions.latest(corp.corpId, user.userid, appId);
    if (sessionKey === undefined) {
      throw new SandboxError(
        'no_session',
        `user ${user.userid} has no session with ${appId} yet: exchange a login code first`,
      );
    }
    const watermark = { appid: appId, timestamp: this.state.clock.nowSeconds() };
    const gender = Number(user.gender);
    switch (parsed.kind) {
      case 'mobile':
        return encryptMiniProgramData({ sessionKey, data: { mobile: user.mobile, watermark } });
      case 'email':
        return encryptMiniProgramData({ sessionKey, data: { email: user.email, watermark } });
      case 'userinfo': {
        const userid = this.state.directory.isAssociated(corp, appId)
          ? user.userid
          : this.state.encryptedUserId(corp.corpId, user.userid, appId);
        const rawData = JSON.stringify({ name: user.name, gender, language: 'zh_CN' });
        const signature = signRawData({ rawData, sessionKey });
        const data = { corpid: corp.corpId, userid, name: user.name, gender, watermark };
        return { ...encryptMiniProgramData({ sessionKey, data }), rawData, signature };
      }
    }
  }

  /** The loaded directory, secrets included (it is a sandbox). */
  directory(): DirectoryFixture {
    return structuredClone(this.state.directory.fixture);
  }

  /** Tokens, codes, sessions, counters, faults, call log and clock back to the start. */
  reset(): void {
    this.state.reset();
  }
}
