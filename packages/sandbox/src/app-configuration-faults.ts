import { z } from 'zod';
import type { DirectoryIndex } from './directory-index.js';
import { type AppFixture, appSchema, type CorpFixture } from './directory-schema.js';
import { SandboxError } from './errors.js';
import type { RandomSource } from './random-source.js';
import { parseControlInput } from './sandbox-control.js';

/**
 * The ways an app's configuration in the WeCom admin console breaks a mini-program login, one per check of
 * `wecom-auth doctor`:
 *
 * - `wrong_secret`: the app's secret was reset, so the one configured is wrong (`gettoken` → 40001);
 * - `untrusted_ip`: the app's trusted IPs do not include the caller (every call → 60020, `from ip` in the errmsg);
 * - `not_associated`: the app has no mini program (`jscode2session` → 40014);
 * - `empty_visible_range`: nobody is in the app's visible range (`department/simplelist` → none, `user/get` → 60011);
 * - `other_mini_program`: the app is associated with another mini program, so codes of the configured one are
 *   refused (`jscode2session` → 48002).
 */
export const appBrokenStates = [
  'wrong_secret',
  'untrusted_ip',
  'not_associated',
  'empty_visible_range',
  'other_mini_program',
] as const;

/** One of {@link appBrokenStates}. */
export type AppBrokenState = (typeof appBrokenStates)[number];

/** The mini program `other_mini_program` associates the app with; added to the directory when missing. */
export const OTHER_MINI_PROGRAM_APP_ID = 'wxother000000001';
/** A documentation address (RFC 5737), never a caller's: the trusted IP of `untrusted_ip`. */
export const UNTRUSTED_IP_ALLOWED = '203.0.113.10';

const idSchema = z.string().min(1).max(128);
const appSelector = {
  /** The corp; the first one by default. */
  corpid: idSchema.optional(),
  /** The app; by default the corp's first app associated with a mini program. */
  agentId: z.number().int().positive().optional(),
};
const appShape = appSchema.shape;

export const appPatchInputSchema = z.strictObject({
  ...appSelector,
  secret: appShape.secret.optional(),
  trustedIps: appShape.trustedIps.unwrap().optional(),
  miniProgramAppId: appShape.miniProgramAppId.unwrap().optional(),
  visibleRange: z.strictObject(appShape.visibleRange.unwrap().shape).optional(),
});
export const brokenStateInputSchema = z.strictObject({ ...appSelector, state: z.enum(appBrokenStates) });

/** Input of {@link AppConfigurationFaults.patch}: the app (by default the first mini-program app) and what to set. */
export type AppPatchInput = z.input<typeof appPatchInputSchema>;
/** Input of {@link AppConfigurationFaults.breakApp}. */
export type BrokenStateInput = z.input<typeof brokenStateInputSchema>;

/** An app's settings as the admin console shows them (secrets included: it is a sandbox). */
export interface AppSettingsView {
  readonly corpid: string;
  readonly agentId: number;
  readonly name: string;
  readonly secret: string;
  readonly trustedIps: readonly string[];
  readonly miniProgramAppId: string | null;
  readonly visibleRange: { readonly userIds: readonly string[]; readonly departmentIds: readonly number[] };
}

function viewOf(corp: CorpFixture, app: AppFixture): AppSettingsView {
  return structuredClone({
    corpid: corp.corpId,
    agentId: app.agentId,
    name: app.name,
    secret: app.secret,
    trustedIps: app.trustedIps,
    miniProgramAppId: app.miniProgramAppId,
    visibleRange: app.visibleRange,
  });
}

/**
 * Changes apps' settings as an admin would, and puts them back: every app is remembered as it was before its first
 * change, and {@link restore} restores them all (a test's cleanup, or the end of a doctor demonstration).
 *
 * @example
 * ```ts
 * const faults = new AppConfigurationFaults(state.directory, state.random);
 * faults.breakApp({ state: 'untrusted_ip' }); // gettoken now answers 60020
 * faults.restore();
 * ```
 */
export class AppConfigurationFaults {
  readonly #originals = new Map<AppFixture, AppFixture>();
  #addedMiniProgram = false;

  constructor(
    private readonly directory: DirectoryIndex,
    private readonly random: RandomSource,
  ) {}

  /** Sets any of an app's secret, trusted IPs, mini program and visible range. */
  patch(input: AppPatchInput): AppSettingsView {
    const parsed = parseControlInput(appPatchInputSchema, input);
    const { corp, app } = this.#resolve(parsed.corpid, parsed.agentId);
    if (parsed.miniProgramAppId != null && !this.directory.hasMiniProgram(parsed.miniProgramAppId)) {
      throw new SandboxError(
        'unknown_mini_program',
        `no mini program ${parsed.miniProgramAppId} in the directory`,
      );
    }
    for (const userid of parsed.visibleRange?.userIds ?? []) {
      if (this.directory.user(corp, userid) === undefined) {
        throw new TypeError(`visibleRange.userIds: no user ${userid} in corp ${corp.corpId}`);
      }
    }
    for (const id of parsed.visibleRange?.departmentIds ?? []) {
      if (this.directory.department(corp, id) === undefined) {
        throw new TypeError(`visibleRange.departmentIds: no department ${id} in corp ${corp.corpId}`);
      }
    }
    if (
      parsed.secret !== undefined &&
      corp.apps.some((other) => other !== app && other.secret === parsed.secret)
    ) {
      throw new TypeError('secret: another app of the corp has this secret');
    }
    this.#remember(app);
    if (parsed.secret !== undefined) app.secret = parsed.secret;
    if (parsed.trustedIps !== undefined) app.trustedIps = [...parsed.trustedIps];
    if (parsed.miniProgramAppId !== undefined) app.miniProgramAppId = parsed.miniProgramAppId;
    if (parsed.visibleRange !== undefined) {
      app.visibleRange = {
        userIds: [...parsed.visibleRange.userIds],
        departmentIds: [...parsed.visibleRange.departmentIds],
      };
    }
    return viewOf(corp, app);
  }

  /** Puts an app into one of the {@link appBrokenStates}. */
  breakApp(input: BrokenStateInput): { readonly state: AppBrokenState; readonly app: AppSettingsView } {
    const parsed = parseControlInput(brokenStateInputSchema, input);
    const { corp, app } = this.#resolve(parsed.corpid, parsed.agentId);
    const target = { corpid: corp.corpId, agentId: app.agentId };
    switch (parsed.state) {
      case 'wrong_secret':
        return {
          state: parsed.state,
          app: this.patch({ ...target, secret: `reset-${this.random.bytes(12).toString('hex')}` }),
        };
      case 'untrusted_ip':
        return { state: parsed.state, app: this.patch({ ...target, trustedIps: [UNTRUSTED_IP_ALLOWED] }) };
      case 'not_associated':
        return { state: parsed.state, app: this.patch({ ...target, miniProgramAppId: null }) };
      case 'empty_visible_range':
        return {
          state: parsed.state,
          app: this.patch({ ...target, visibleRange: { userIds: [], departmentIds: [] } }),
        };
      case 'other_mini_program':
        if (!this.directory.hasMiniProgram(OTHER_MINI_PROGRAM_APP_ID)) {
          this.directory.fixture.miniPrograms.push({
            appId: OTHER_MINI_PROGRAM_APP_ID,
            name: '另一个小程序',
          });
          this.#addedMiniProgram = true;
        }
        return {
          state: parsed.state,
          app: this.patch({ ...target, miniProgramAppId: OTHER_MINI_PROGRAM_APP_ID }),
        };
    }
  }

  /** Puts every changed app back as it was before its first change; returns how many. */
  restore(): { readonly restored: number } {
    const restored = this.#originals.size;
    for (const [app, original] of this.#originals) Object.assign(app, structuredClone(original));
    this.#originals.clear();
    if (this.#addedMiniProgram) {
      const index = this.directory.fixture.miniPrograms.findIndex(
        (mp) => mp.appId === OTHER_MINI_PROGRAM_APP_ID,
      );
      if (index >= 0) this.directory.fixture.miniPrograms.splice(index, 1);
      this.#addedMiniProgram = false;
    }
    return { restored };
  }

  #remember(app: AppFixture): void {
    if (!this.#originals.has(app)) this.#originals.set(app, structuredClone(app));
  }

  #resolve(corpid: string | undefined, agentId: number | undefined): { corp: CorpFixture; app: AppFixture } {
    const corp = corpid === undefined ? this.directory.fixture.corps[0] : this.directory.corp(corpid);
    if (corp === undefined)
      throw new SandboxError('unknown_corp', `no corp ${corpid ?? ''} in the directory`);
    // The default is the app as the directory had it: breaking it twice (say, untrusted then not associated) must
    // change the same app, though it has no mini program any more.
    const app =
      agentId === undefined
        ? corp.apps.find(
            (candidate) => (this.#originals.get(candidate) ?? candidate).miniProgramAppId !== null,
          )
        : this.directory.app(corp, agentId);
    if (app === undefined) {
      throw new TypeError(
        agentId === undefined
          ? `corp ${corp.corpId} has no app associated with a mini program: name one with agentId`
          : `no app ${agentId} in corp ${corp.corpId}`,
      );
    }
    return { corp, app };
  }
}
