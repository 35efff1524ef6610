/**
 * What a check of `wecom-auth doctor` is and what it reports. A check is one module under `checks/`: an id, a title,
 * the checks it needs to have passed, and a `run` that answers a verdict with the errcode WeCom gave and what to
 * change where. It is either about the whole setup or about one corp (run once per corp served).
 */
import type { DoctorContext } from './doctor-context.js';
import type { DoctorCorp } from './doctor-corp.js';

/** How a check came out. `warn` does not fail the run; `skip` is a check that could not or need not run. */
export type Verdict = 'pass' | 'warn' | 'fail' | 'skip';

/** A place in the WeCom admin console (work.weixin.qq.com), by its English and its Chinese labels. */
export interface ConsolePath {
  readonly en: string;
  readonly zh: string;
  /**
   * Which console: a corp's admin console (管理后台, the default), or the service provider's (服务商管理后台), where a
   * third-party app is set up.
   */
  readonly site?: 'admin' | 'provider';
}

/** What to change, and where. */
export interface Fix {
  /** What to do, as a sentence. */
  readonly text: string;
  /** The gateway settings to change, by name (never their values). */
  readonly settings?: readonly string[];
  /** Where to change it in the WeCom admin console. */
  readonly console?: ConsolePath;
}

/** What WeCom answered, as it answered it (the errmsg holds no secret: a hint id and the caller's IP). */
export interface WecomVerdictCause {
  readonly errcode: number;
  readonly errmsg: string;
}

/** A check's finding. */
export interface CheckOutcome {
  readonly verdict: Verdict;
  /** One line: what was found. */
  readonly summary: string;
  /** Further lines: what was measured, what to know. */
  readonly details?: readonly string[];
  /** The WeCom answer the verdict rests on. */
  readonly wecom?: WecomVerdictCause;
  readonly fix?: Fix;
}

/** What every doctor check declares, whatever its scope. */
export interface CheckBase {
  /** Stable id, also the anchor of the check in docs/doctor.md: `wecom-credentials`. */
  readonly id: string;
  /** What the checklist calls it. */
  readonly title: string;
  /**
   * The ids of the checks that must have passed (or warned) for this one to run; for a corp check, those of the same
   * corp when they are corp checks. A check whose needs failed is skipped, saying which.
   */
  readonly needs: readonly string[];
  /** The WeCom errcodes this check explains: docs/errors.md links them to it. */
  readonly errcodes?: readonly number[];
  /** The gateway error codes whose cause this check finds: docs/errors.md links them to it. */
  readonly gatewayErrors?: readonly string[];
}

/** A check about the whole setup (the configuration, the store). */
export interface SetupCheck extends CheckBase {
  readonly scope: 'setup';
  /** False when the check has nothing to look at here (no `--login`): it is then left out of the checklist. */
  applies?(context: DoctorContext): boolean;
  /** The check's outcome; a `WecomProbeError` it lets through is its failure (see `runDoctor`). */
  run(context: DoctorContext): Promise<CheckOutcome>;
}

/** A check about one corp served, run for each. */
export interface CorpCheck extends CheckBase {
  readonly scope: 'corp';
  /** False when the check has nothing to look at for this corp (no callback configured): it is left out. */
  applies?(context: DoctorContext, corp: DoctorCorp): boolean;
  /** The check's outcome for `corp`; a `WecomProbeError` it lets through is its failure (see `runDoctor`). */
  run(context: DoctorContext, corp: DoctorCorp): Promise<CheckOutcome>;
}

/**
 * One check of `wecom-auth doctor`. Add one by writing a module that exports it and registering it (see
 * `defaultDoctorChecks`).
 *
 * @example
 * const redisVersion: SetupCheck = {
 *   id: 'redis-version', title: 'Redis version', scope: 'setup', needs: ['store'],
 *   async run(context) { return { verdict: 'pass', summary: 'Redis 7.2' }; },
 * };
 */
export type DoctorCheck = SetupCheck | CorpCheck;

/** One line of the checklist: a check's outcome, for the setup or for one corp. */
export interface CheckResult extends CheckOutcome {
  readonly id: string;
  readonly title: string;
  /** The corp a corp check ran for. */
  readonly corpId?: string;
}
