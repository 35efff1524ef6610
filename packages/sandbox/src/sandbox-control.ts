import { encryptMiniProgramData, signRawData } from '@wecom-auth/crypto';
import { z } from 'zod';
import type { CallSummary } from './call-log.js';
import { createUserEvent, partyEvent, updateUserEvent } from './callback-contact-events.js';
import {
  type CallbackDeliveryInput,
  type CallbackReplayInput,
  callbackDeliveryInputSchema,
  callbackReplayInputSchema,
  corpOnlySchema,
  type DepartmentCreateInput,
  type DepartmentPatchInput,
  departmentCreateSchema,
  departmentPatchSchema,
  type SetCallbackInput,
  setCallbackInputSchema,
  type UserPatchInput,
  userPatchSchema,
} from './callback-control-input.js';
import type {
  CallbackDelivery,
  CallbackDeliverySettings,
  CallbackReplay,
  CallbackVerification,
} from './callback-dispatcher.js';
import {
  type AppFixture,
  type CorpFixture,
  type DepartmentFixture,
  type DirectoryFixture,
  describeIssues,
  type UserFixture,
} from './directory-schema.js';
import { SandboxError } from './errors.js';
import { type Fault, faultSpecSchema } from './fault-injector.js';
import type { SandboxState } from './sandbox-state.js';
import { SuiteControl } from './suite-control.js';

const idSchema = z.string().min(1).max(128);

export const loginInputSchema = z.strictObject({
  userid: idSchema,
  corpid: idSchema.optional(),
  appid: idSchema.optional(),
  /** A code of this suite's mini program, as `wx.qy.login({ suiteId })` gives: only that suite may exchange it. */
  suiteId: idSchema.optional(),
});
export const oauthCodeInputSchema = z.strictObject({ userid: idSchema, corpid: idSchema.optional() });
export const clockInputSchema = z.strictObject({
  advanceSeconds: z
    .number()
    .finite()
    .min(0)
    .max(10 * 365 * 86_400),
});
export const appCreationInputSchema = z.strictObject({
  corpid: idSchema.optional(),
  agentId: z.number().int().positive(),
  createdAfter20220620: z.boolean(),
});
export const tokenFilterSchema = z.strictObject({
  corpid: idSchema.optional(),
  agentId: z.number().int().positive().optional(),
});
export const encryptInputSchema = z.strictObject({
  userid: idSchema,
  corpid: idSchema.optional(),
  appid: idSchema.optional(),
  /** Seal with the session of this suite's mini program (after a suite login). */
  suiteId: idSchema.optional(),
  /** `userinfo` and `enterprise_user_info` both mean `wx.qy.getEnterpriseUserInfo`. */
  kind: z.enum(['mobile', 'email', 'userinfo', 'enterprise_user_info']),
  /** Seal this `watermark.timestamp` instead of the sandbox clock's now (stale or future data). */
  watermarkTimestamp: z
    .number()
    .int()
    .min(0)
    .max(2 ** 53 - 1)
    .optional(),
  /** Encrypt with this IV (base64 of 16 bytes) instead of a random one. */
  iv: z
    .string()
    .regex(/^[A-Za-z0-9+/]{22}==$/, 'must be base64 of 16 bytes')
    .optional(),
});

/**
 * Input of {@link SandboxControl.login}; corpid and appid default to the first corp and its mini program, `suiteId`
 * picks the suite's mini program.
 */
export type LoginInput = z.input<typeof loginInputSchema>;
/** Input of {@link SandboxControl.oauthCode}; corpid defaults to the first corp. */
export type OAuthCodeInput = z.input<typeof oauthCodeInputSchema>;
/** Input of {@link SandboxControl.addFault}. */
export type FaultInput = z.input<typeof faultSpecSchema>;
/** Input of {@link SandboxControl.expireTokens} and {@link SandboxControl.revokeTokens}. */
export type TokenFilterInput = z.input<typeof tokenFilterSchema>;
/** Input of {@link SandboxControl.encrypt}. */
export type EncryptInput = z.input<typeof encryptInputSchema>;

/** What a directory change returns: the record after it, and the callback deliveries after their first try. */
export interface DirectoryChangeResult<T> {
  result: T | undefined;
  deliveries: CallbackDelivery[];
}

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
  /** The ciphertext (base64): decode it to flip bits of a block. */
  encryptedData: string;
  /** The IV (base64 of 16 bytes): flipping its bits rewrites the first plaintext block. */
  iv: string;
  /** The JSON text that was encrypted, with its exact documented keys and watermark. */
  plaintext: string;
  /** Only for `userinfo`: the JSON text `signature` is computed over. */
  rawData?: string;
  /** Only for `userinfo`: `sha1(rawData + session_key)`. */
  signature?: string;
}

/** Which app {@link SandboxControl.setAppCreation} changes (the first corp's when `corpid` is absent), and how. */
export type AppCreationInput = z.input<typeof appCreationInputSchema>;

/** An app as {@link SandboxControl.setAppCreation} left it. */
export interface AppCreation {
  corpId: string;
  agentId: number;
  name: string;
  /** True: `user/get` answers this app as WeCom answers apps created after 2022-06-20. */
  createdAfter20220620: boolean;
}

/** Validates control input; the in-process handle treats bad input as programmer misuse. */
export function parseControlInput<S extends z.ZodType>(schema: S, input: unknown): z.output<S> {
  const result = schema.safeParse(input);
  if (result.success) return result.data;
  throw new TypeError(describeIssues(result.error).join('; '));
}

/**
 * The sandbox's control operations, shared by the `/__sandbox/*` HTTP API and the in-process handle returned by
 * `createSandbox`. Input errors throw `TypeError`; unknown users, corps and missing sessions throw {@link
 * SandboxError}.
 *
 * @example
 * ```ts
 * const { code } = sandbox.control.login({ userid: 'zhangsan' });
 * sandbox.control.addFault({ path: '/cgi-bin/gettoken', errcode: -1, count: 1 });
 * sandbox.control.advanceClock(7200);
 * ```
 */
export class SandboxControl {
  /** The sandbox's third-party apps (suites): callback URL, tickets, installs (see {@link SuiteControl}). */
  readonly suites: SuiteControl;

  constructor(private readonly state: SandboxState) {
    this.suites = new SuiteControl(state);
  }

  private resolveUser(input: {
    userid: string;
    corpid?: string | undefined;
    appid?: string | undefined;
    suiteId?: string | undefined;
  }) {
    const { directory } = this.state;
    const corp = input.corpid === undefined ? directory.fixture.corps[0] : directory.corp(input.corpid);
    if (corp === undefined)
      throw new SandboxError('unknown_corp', `no corp ${input.corpid ?? ''} in the directory`);
    const user = directory.user(corp, input.userid);
    if (user === undefined) {
      throw new SandboxError('unknown_user', `no user ${input.userid} in corp ${corp.corpId}`);
    }
    if (input.suiteId !== undefined) {
      const suite = this.state.suites.get(input.suiteId);
      if (suite === undefined)
        throw new SandboxError('unknown_suite', `no suite ${input.suiteId} in the sandbox`);
      const appId = suite.config.miniProgramAppId;
      if (input.appid !== undefined && input.appid !== appId) {
        throw new TypeError(
          `appid: ${input.appid} is not the mini program of suite ${input.suiteId} (${appId})`,
        );
      }
      return { corp, user, appId, suite, suiteBound: true };
    }
    const appId =
      input.appid ??
      corp.apps.find((app) => app.miniProgramAppId !== null)?.miniProgramAppId ??
      directory.fixture.miniPrograms[0]?.appId;
    if (appId !== undefined && !directory.hasMiniProgram(appId)) {
      // A suite's mini program named by its appid: a code any suite bound to it may exchange.
      const suite = this.state.suites.list().find((entry) => entry.config.miniProgramAppId === appId);
      if (suite !== undefined) return { corp, user, appId, suite, suiteBound: false };
    }
    if (appId === undefined || !directory.hasMiniProgram(appId)) {
      throw new SandboxError('unknown_mini_program', `no mini program ${appId ?? ''} in the directory`);
    }
    return { corp, user, appId, suite: undefined, suiteBound: false };
  }

  /**
   * Mints a `wx.qy.login` code for a member: single use, valid 300 s on the sandbox clock. With `suiteId`, a code of
   * the suite's mini program that only that suite's `service/miniprogram/jscode2session` exchanges.
   */
  login(input: LoginInput): LoginResult {
    const { corp, user, appId, suite, suiteBound } = this.resolveUser(
      parseControlInput(loginInputSchema, input),
    );
    return this.state.codes.mint(
      appId,
      corp.corpId,
      user.userid,
      suiteBound ? suite?.config.suiteId : undefined,
    );
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

  /**
   * Moves sandbox time forward: tokens, codes and rate windows all follow, and the suite_tickets that fell due are
   * pushed (await `suites.ticketPushesSettled()` for their first tries; the HTTP API answers after them).
   */
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
   * encrypted with the member's latest session_key — the only way an app created after 2022-06-20 learns a mobile
   * or email, since `user/get` withholds them. The plaintext has exactly the documented keys: `{mobile, watermark}`,
   * `{email, watermark}`, `{corpid, userid, name, gender, watermark}` with `watermark = {appid, timestamp}`.
   * `watermarkTimestamp` and `iv` let a test build stale, future or IV-rewritten data. Throws `no_session` before
   * a successful jscode2session, `field_not_set` for a member without that mobile or email.
   */
  encrypt(input: EncryptInput): EncryptResult {
    const parsed = parseControlInput(encryptInputSchema, input);
    const { corp, user, appId, suite } = this.resolveUser(parsed);
    const sessionKey = this.state.sessions.latest(corp.corpId, user.userid, appId);
    if (sessionKey === undefined) {
      throw new SandboxError(
        'no_session',
        `user ${user.userid} has no session with ${appId} yet: exchange a login code first`,
      );
    }
    const watermark = { appid: appId, timestamp: parsed.watermarkTimestamp ?? this.state.clock.nowSeconds() };
    const seal = (data: Record<string, unknown>) => {
      const iv = parsed.iv === undefined ? undefined : Buffer.from(parsed.iv, 'base64');
      const sealed = encryptMiniProgramData({ sessionKey, data, ...(iv === undefined ? {} : { iv }) });
      return { ...sealed, plaintext: JSON.stringify(data) };
    };
    switch (parsed.kind) {
      case 'mobile':
      case 'email': {
        const value = user[parsed.kind];
        if (typeof value !== 'string' || value.length === 0) {
          throw new SandboxError('field_not_set', `user ${user.userid} has no ${parsed.kind}`);
        }
        return seal({ [parsed.kind]: value, watermark });
      }
      case 'userinfo':
      case 'enterprise_user_info': {
        const gender = Number(user.gender);
        // A suite's mini program sees its own installs' members in clear (as its jscode2session does).
        const associated =
          suite === undefined
            ? this.state.directory.isAssociated(corp, appId)
            : this.state.suites.activeInstall(suite, corp.corpId) !== undefined;
        const userid = associated ? user.userid : this.state.encryptedUserId(corp.corpId, user.userid, appId);
        const rawData = JSON.stringify({ name: user.name, gender, language: 'zh_CN' });
        const signature = signRawData({ rawData, sessionKey });
        return {
          ...seal({ corpid: corp.corpId, userid, name: user.name, gender, watermark }),
          rawData,
          signature,
        };
      }
    }
  }

  /** The loaded directory, secrets included (it is a sandbox). */
  directory(): DirectoryFixture {
    return structuredClone(this.state.directory.fixture);
  }

  private resolveCorp(corpid: string | undefined): CorpFixture {
    const { directory } = this.state;
    const corp = corpid === undefined ? directory.fixture.corps[0] : directory.corp(corpid);
    if (corp === undefined)
      throw new SandboxError('unknown_corp', `no corp ${corpid ?? ''} in the directory`);
    return corp;
  }

  private resolveDepartment(corp: CorpFixture, id: number): DepartmentFixture {
    if (!Number.isInteger(id)) throw new TypeError('the department id must be an integer');
    const dept = this.state.directory.department(corp, id);
    if (dept === undefined) throw new TypeError(`no department ${id} in corp ${corp.corpId}`);
    return dept;
  }

  /** Apps with a callback whose visible range covers `user`. */
  private appsSeeingUser(corp: CorpFixture, user: UserFixture): AppFixture[] {
    return corp.apps.filter(
      (app) => app.callback !== undefined && this.state.directory.isUserVisible(corp, app, user),
    );
  }

  /** Apps with a callback whose visible range covers the department (or its parent, for a new or moved one). */
  private appsSeeingDepartment(corp: CorpFixture, ...ids: number[]): AppFixture[] {
    return corp.apps.filter((app) => {
      if (app.callback === undefined) return false;
      const visible = this.state.directory.visibleDepartments(corp, app);
      return ids.some((id) => visible.has(id));
    });
  }

  /**
   * Sets an app's callback (URL, Token, EncodingAESKey). Like the admin console, it first sends the URL
   * verification GET and refuses the URL (`TypeError`) when the answer is not the decrypted echostr, unless
   * `verify: false`.
   */
  async setCallback(input: SetCallbackInput): Promise<CallbackVerification> {
    const parsed = parseControlInput(setCallbackInputSchema, input);
    const corp = this.resolveCorp(parsed.corpid);
    const app = this.state.directory.app(corp, parsed.agentId);
    if (app === undefined) throw new TypeError(`no app ${parsed.agentId} in corp ${corp.corpId}`);
    const callback = { url: parsed.url, token: parsed.token, encodingAESKey: parsed.encodingAESKey };
    if (parsed.verify === false) {
      app.callback = callback;
      return { verified: false, status: null };
    }
    const verification = await this.state.callbacks.verifyUrl(corp.corpId, callback);
    if (!verification.verified) {
      throw new TypeError(
        `callback URL verification failed: ${verification.error ?? 'no answer'} (status ${verification.status ?? 'none'})`,
      );
    }
    app.callback = callback;
    return verification;
  }

  /**
   * Says whether an app was created after 2022-06-20, which decides what its `user/get` answers hold: WeCom's privacy
   * rule withholds avatar, thumb_avatar, mobile, email, biz_mail, qr_code and address from such apps and answers
   * gender `"0"`. It applies from the next `user/get`. No callback is pushed: an app's age is not a contact change,
   * and WeCom sends none.
   */
  setAppCreation(input: AppCreationInput): AppCreation {
    const parsed = parseControlInput(appCreationInputSchema, input);
    const corp = this.resolveCorp(parsed.corpid);
    const app = this.state.directory.app(corp, parsed.agentId);
    if (app === undefined) throw new TypeError(`no app ${parsed.agentId} in corp ${corp.corpId}`);
    app.createdAfter20220620 = parsed.createdAfter20220620;
    return {
      corpId: corp.corpId,
      agentId: app.agentId,
      name: app.name,
      createdAfter20220620: app.createdAfter20220620,
    };
  }

  /** Removes an app's callback: no more events are pushed to it. */
  clearCallback(input: { corpid?: string; agentId: number }): void {
    const corp = this.resolveCorp(input.corpid);
    const app = this.state.directory.app(corp, input.agentId);
    if (app === undefined) throw new TypeError(`no app ${input.agentId} in corp ${corp.corpId}`);
    delete app.callback;
  }

  /** Attempts, per-try deadline and retry pause of callback deliveries. */
  configureCallbacks(input: CallbackDeliveryInput): CallbackDeliverySettings {
    const parsed = parseControlInput(callbackDeliveryInputSchema, input);
    const settings: Partial<CallbackDeliverySettings> = {};
    if (parsed.attempts !== undefined) settings.attempts = parsed.attempts;
    if (parsed.timeoutMs !== undefined) settings.timeoutMs = parsed.timeoutMs;
    if (parsed.retryDelayMs !== undefined) settings.retryDelayMs = parsed.retryDelayMs;
    return this.state.callbacks.configure(settings);
  }

  /** The latest callback deliveries (up to 200), oldest first, with their signed parameters and event. */
  callbacks(): CallbackDelivery[] {
    return this.state.callbacks.list();
  }

  /** Holds back callback deliveries from now on (an inbox backlog): they are sealed and logged as `held`. */
  holdCallbacks(): { holding: true } {
    this.state.callbacks.hold();
    return { holding: true };
  }

  /** Stops holding and sends the held deliveries oldest first; resolves with them after their first tries. */
  async releaseCallbacks(): Promise<{ deliveries: CallbackDelivery[] }> {
    return { deliveries: await this.state.callbacks.release() };
  }

  /**
   * Sends a logged delivery again exactly as delivered (same body and `msg_signature`), once, with `timestamp`
   * and `nonce` replaced when given — a captured request replayed, or the digit-shift forgery. Unknown ids throw
   * `unknown_delivery`.
   */
  async replayCallback(id: number, input: CallbackReplayInput = {}): Promise<CallbackReplay> {
    const parsed = parseControlInput(callbackReplayInputSchema, input);
    if (!Number.isSafeInteger(id)) throw new TypeError('the delivery id must be an integer');
    const options = {
      ...(parsed.timestamp === undefined ? {} : { timestamp: parsed.timestamp }),
      ...(parsed.nonce === undefined ? {} : { nonce: parsed.nonce }),
    };
    const replay = await this.state.callbacks.replay(id, options);
    if (replay === undefined) throw new SandboxError('unknown_delivery', `no logged callback delivery ${id}`);
    return replay;
  }

  /** Stops callback retries and aborts deliveries under way (the sandbox is closing). */
  closeCallbacks(): void {
    this.state.callbacks.close();
  }

  /** Resolves when every callback delivery, retries included, is done. */
  flushCallbacks(): Promise<void> {
    return this.state.callbacks.flush();
  }

  /**
   * Changes a member as the admin console would (name, status, departments…; `newUserid` renames) and pushes
   * `update_user` to the apps that see them. Resolves after each delivery's first try.
   */
  async updateUser(userid: string, patch: UserPatchInput): Promise<DirectoryChangeResult<UserFixture>> {
    const { corpid, newUserid, ...fields } = parseControlInput(userPatchSchema, patch);
    const corp = this.resolveCorp(corpid);
    const user = this.state.directory.user(corp, userid);
    if (user === undefined)
      throw new SandboxError('unknown_user', `no user ${userid} in corp ${corp.corpId}`);
    const next: Record<string, unknown> = { ...structuredClone(user), ...fields };
    if (newUserid !== undefined) next.userid = newUserid;
    if (fields.department !== undefined) {
      // Per-department lists must follow a new department list.
      if (fields.is_leader_in_dept === undefined) delete next.is_leader_in_dept;
      delete next.order;
      if (fields.main_department === undefined && !fields.department.includes(user.main_department ?? 0)) {
        delete next.main_department;
      }
    }
    const apps = this.appsSeeingUser(corp, user);
    const updated = this.state.directory.replaceUser(corp, user, next);
    const deliveries = await this.state.callbacks.deliver(corp, apps, updateUserEvent(user, updated));
    return { result: structuredClone(updated), deliveries };
  }

  /** Adds a member and pushes `create_user` to the apps that see them. */
  async createUser(input: Record<string, unknown>): Promise<DirectoryChangeResult<UserFixture>> {
    if (typeof input !== 'object' || input === null) throw new TypeError('the member must be an object');
    const { corpid, ...fields } = input;
    const corp = this.resolveCorp(typeof corpid === 'string' ? corpid : undefined);
    const created = this.state.directory.addUser(corp, fields);
    const deliveries = await this.state.callbacks.deliver(
      corp,
      this.appsSeeingUser(corp, created),
      createUserEvent(created),
    );
    return { result: structuredClone(created), deliveries };
  }

  /** Removes a member (they left) and pushes `delete_user` to the apps that saw them. */
  async deleteUser(userid: string, options: { corpid?: string } = {}): Promise<DirectoryChangeResult<never>> {
    const { corpid } = parseControlInput(corpOnlySchema, options);
    const corp = this.resolveCorp(corpid);
    const user = this.state.directory.user(corp, userid);
    if (user === undefined)
      throw new SandboxError('unknown_user', `no user ${userid} in corp ${corp.corpId}`);
    const apps = this.appsSeeingUser(corp, user);
    this.state.directory.removeUser(corp, user);
    const deliveries = await this.state.callbacks.deliver(corp, apps, {
      kind: 'delete_user',
      userId: user.userid,
    });
    return { result: undefined, deliveries };
  }

  /** Adds a department and pushes `create_party`. */
  async createDepartment(input: DepartmentCreateInput): Promise<DirectoryChangeResult<DepartmentFixture>> {
    const { corpid, ...fields } = parseControlInput(departmentCreateSchema, input);
    const corp = this.resolveCorp(corpid);
    const id = fields.id ?? Math.max(...corp.departments.map((dept) => dept.id)) + 1;
    const dept = this.state.directory.addDepartment(corp, { ...fields, id });
    const deliveries = await this.state.callbacks.deliver(
      corp,
      this.appsSeeingDepartment(corp, dept.id),
      partyEvent('create_party', dept),
    );
    return { result: structuredClone(dept), deliveries };
  }

  /** Renames or moves a department and pushes `update_party`. */
  async updateDepartment(
    id: number,
    patch: DepartmentPatchInput,
  ): Promise<DirectoryChangeResult<DepartmentFixture>> {
    const { corpid, ...fields } = parseControlInput(departmentPatchSchema, patch);
    const corp = this.resolveCorp(corpid);
    const dept = this.resolveDepartment(corp, id);
    const apps = this.appsSeeingDepartment(corp, dept.id);
    const updated = this.state.directory.replaceDepartment(corp, dept, { ...dept, ...fields });
    const seeing = new Set([...apps, ...this.appsSeeingDepartment(corp, updated.id)]);
    const deliveries = await this.state.callbacks.deliver(
      corp,
      [...seeing],
      partyEvent('update_party', updated),
    );
    return { result: structuredClone(updated), deliveries };
  }

  /** Deletes an empty department and pushes `delete_party`. */
  async deleteDepartment(
    id: number,
    options: { corpid?: string } = {},
  ): Promise<DirectoryChangeResult<never>> {
    const { corpid } = parseControlInput(corpOnlySchema, options);
    const corp = this.resolveCorp(corpid);
    const dept = this.resolveDepartment(corp, id);
    const apps = this.appsSeeingDepartment(corp, dept.id);
    this.state.directory.removeDepartment(corp, dept);
    const deliveries = await this.state.callbacks.deliver(corp, apps, { kind: 'delete_party', id: dept.id });
    return { result: undefined, deliveries };
  }

  /** Tokens, codes, sessions, counters, faults, call log and clock back to the start. */
  reset(): void {
    this.state.reset();
  }
}
