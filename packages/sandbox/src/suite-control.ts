import type { CallbackDelivery } from './callback-dispatcher.js';
import type { CorpFixture } from './directory-schema.js';
import { SandboxError } from './errors.js';
import type { SandboxState } from './sandbox-state.js';
import {
  corpIdSchema,
  parseSuiteInput,
  type SuiteCallbackInput,
  type SuiteChangeInput,
  type SuiteInstallInput,
  type SuiteInstallListInput,
  suiteCallbackInputSchema,
  suiteChangeInputSchema,
  suiteIdSchema,
  suiteInstallInputSchema,
  suiteInstallListInputSchema,
} from './suite-control-input.js';
import { sendInstruction } from './suite-instructions.js';
import {
  AUTH_CODE_TTL_SECONDS,
  SUITE_TICKET_TTL_SECONDS,
  type SuiteEntry,
  type SuiteInstall,
} from './suite-registry.js';
import type { SuiteTicketPush } from './suite-ticket-pusher.js';

/** How many installs `GET /__sandbox/suites` shows per suite; the paged listing has them all. */
const SUMMARY_INSTALLS = 100;

/** One corp's install, as the control API lists it (without its permanent code). */
export interface SuiteInstallSummary {
  corpid: string;
  corpName: string;
  status: 'active' | 'cancelled';
  /** ISO time on the sandbox clock. */
  installedAt: string;
  cancelledAt?: string;
  /** 0 official, 1 test install. */
  authType: 0 | 1;
  state?: string;
  /** A reset_permanent_code's AuthCode is out and not exchanged yet (the old code still works). */
  resetPending: boolean;
}

/** One install of the paged listing, with the permanent code in force (`null` once cancelled). */
export interface SuiteInstallListing extends SuiteInstallSummary {
  permanent_code: string | null;
}

/** A page of `GET /__sandbox/suites/{suiteId}/installs`. */
export interface SuiteInstallPage {
  installs: SuiteInstallListing[];
  /** Pass it as `cursor` for the next page; empty on the last. */
  nextCursor: string;
}

/** A suite as `GET /__sandbox/suites` shows it: never its secret, Token or EncodingAESKey. */
export interface SuiteSummary {
  suiteId: string;
  name: string;
  miniProgramAppId: string;
  providerCorpId: string;
  agentId: number;
  /** The registered instruction callback URL, or `null`. */
  callbackUrl: string | null;
  /** The newest ticket still accepted (not its value), or `null` when none is. */
  ticket: { issuedAt: string; ageSeconds: number; expiresInSeconds: number } | null;
  /** Seconds until the next scheduled push; `null` without a callback URL. */
  nextTicketPushInSeconds: number | null;
  installCount: { active: number; cancelled: number };
  /** The first 100 installs in install order (see the paged listing for all). */
  installs: SuiteInstallSummary[];
}

/** What an install or a reset answers: the AuthCode (the sandbox shows it) and its delivery. */
export interface SuiteAuthCodeResult {
  suiteId: string;
  corpid: string;
  /** The single-use AuthCode of create_auth / reset_permanent_code, valid 600 s. */
  authCode: string;
  expiresIn: number;
  /** The instruction callback after its first try; `null` when the suite has no callback URL. */
  delivery: CallbackDelivery | null;
}

/** What cancel_auth and change_auth answer. */
export interface SuiteEventResult {
  suiteId: string;
  corpid: string;
  delivery: CallbackDelivery | null;
}

/** What registering a callback URL answers: the verification and the ticket pushed at once. */
export interface SuiteCallbackResult {
  verified: boolean;
  /** HTTP status of the verification GET; `null` when skipped (`verify: false`) or unanswered. */
  status: number | null;
  ticket: SuiteTicketPush;
}

function secondsBetween(fromMs: number, toMs: number): number {
  return Math.max(0, Math.ceil((toMs - fromMs) / 1000));
}

/**
 * The provider-console side of the sandbox's suites, shared by `/__sandbox/suites/*` and `control.suites`:
 * register the instruction callback URL, push tickets (刷新ticket), install and uninstall in corps, change the
 * authorisation, reset permanent codes, read the installs with their permanent codes. Input errors throw
 * `TypeError`; unknown suites, corps and installs throw {@link SandboxError}.
 *
 * @example
 * ```ts
 * const { authCode } = await sandbox.control.suites.install(demoSuite.suiteId, { corpid: 'wwother000000002' });
 * await sandbox.control.suites.uninstall(demoSuite.suiteId, 'wwother000000002');
 * ```
 */
export class SuiteControl {
  constructor(private readonly state: SandboxState) {}

  private entry(suiteId: string): SuiteEntry {
    const id = parseSuiteInput(suiteIdSchema, suiteId);
    const entry = this.state.suites.get(id);
    if (entry === undefined) throw new SandboxError('unknown_suite', `no suite ${id} in the sandbox`);
    return entry;
  }

  private corp(corpid: string): CorpFixture {
    const id = parseSuiteInput(corpIdSchema, corpid);
    const corp = this.state.directory.corp(id);
    if (corp === undefined) throw new SandboxError('unknown_corp', `no corp ${id} in the directory`);
    return corp;
  }

  private activeInstall(entry: SuiteEntry, corp: CorpFixture): SuiteInstall {
    const install = this.state.suites.activeInstall(entry, corp.corpId);
    if (install === undefined) {
      throw new SandboxError(
        'not_installed',
        `corp ${corp.corpId} has not installed suite ${entry.config.suiteId}`,
      );
    }
    return install;
  }

  private summaryOf(install: SuiteInstall): SuiteInstallSummary {
    return {
      corpid: install.corpId,
      corpName: this.state.directory.corp(install.corpId)?.name ?? install.corpId,
      status: install.status,
      installedAt: new Date(install.installedAtMs).toISOString(),
      ...(install.cancelledAtMs === undefined
        ? {}
        : { cancelledAt: new Date(install.cancelledAtMs).toISOString() }),
      authType: install.authType,
      ...(install.state === undefined ? {} : { state: install.state }),
      resetPending: install.pendingGeneration !== undefined,
    };
  }

  private send(entry: SuiteEntry, instruction: Parameters<typeof sendInstruction>[3]) {
    return sendInstruction(
      this.state.callbacks,
      entry.config,
      entry.callbackUrl,
      instruction,
      this.state.clock.nowSeconds(),
    );
  }

  /** Every suite: callback URL, ticket age and expiry, install counts and the first installs. */
  list(): SuiteSummary[] {
    const now = this.state.clock.nowMs();
    return this.state.suites.list().map((entry) => {
      const latest = this.state.suites.latestTicket(entry);
      const installCount = { active: 0, cancelled: 0 };
      for (const install of entry.installs.values()) installCount[install.status] += 1;
      const installs = entry.installOrder.slice(0, SUMMARY_INSTALLS).flatMap((corpId) => {
        const install = entry.installs.get(corpId);
        return install === undefined ? [] : [this.summaryOf(install)];
      });
      const { config } = entry;
      return {
        suiteId: config.suiteId,
        name: config.name,
        miniProgramAppId: config.miniProgramAppId,
        providerCorpId: config.providerCorpId,
        agentId: config.agentId,
        callbackUrl: entry.callbackUrl ?? null,
        ticket:
          latest === undefined
            ? null
            : {
                issuedAt: new Date(latest.issuedAtMs).toISOString(),
                ageSeconds: Math.floor((now - latest.issuedAtMs) / 1000),
                expiresInSeconds: secondsBetween(now, latest.issuedAtMs + SUITE_TICKET_TTL_SECONDS * 1000),
              },
        nextTicketPushInSeconds:
          entry.callbackUrl === undefined || entry.nextTicketDueMs === undefined
            ? null
            : secondsBetween(now, entry.nextTicketDueMs),
        installCount,
        installs,
      };
    });
  }

  /**
   * Registers the instruction callback URL. Like the provider console it first sends the URL verification GET
   * (receiveId = suite_id) and refuses the URL (`callback_verification_failed`) unless the answer is exactly the
   * decrypted echostr (`verify: false` skips it); then it pushes a suite_ticket at once.
   */
  async setCallback(suiteId: string, input: SuiteCallbackInput): Promise<SuiteCallbackResult> {
    const entry = this.entry(suiteId);
    const parsed = parseSuiteInput(suiteCallbackInputSchema, input);
    const { config } = entry;
    let verification = { verified: false, status: null as number | null };
    if (parsed.verify !== false) {
      const outcome = await this.state.callbacks.verifyUrl(config.suiteId, {
        url: parsed.url,
        token: config.token,
        encodingAESKey: config.encodingAESKey,
      });
      if (!outcome.verified) {
        throw new SandboxError(
          'callback_verification_failed',
          `callback URL verification failed: ${outcome.error ?? 'no answer'} (status ${outcome.status ?? 'none'})`,
        );
      }
      verification = { verified: true, status: outcome.status };
    }
    // Starting first keeps the schedule's own first push from doubling the one below.
    this.state.suiteTickets.start();
    entry.callbackUrl = parsed.url;
    const ticket = await this.state.suiteTickets.push(entry);
    return { ...verification, ticket };
  }

  /** Removes the callback URL: no more pushes (tickets already pushed keep their 30 minutes). */
  clearCallback(suiteId: string): void {
    const entry = this.entry(suiteId);
    entry.callbackUrl = undefined;
    entry.nextTicketDueMs = undefined;
  }

  /**
   * Issues a suite_ticket now (the console's 刷新ticket) and pushes it when a callback URL is registered. The answer
   * carries the ticket, so a test can call get_suite_token without running a receiver.
   */
  pushTicket(suiteId: string): Promise<SuiteTicketPush> {
    const entry = this.entry(suiteId);
    this.state.suiteTickets.start();
    return this.state.suiteTickets.push(entry);
  }

  /**
   * A corp's admin installs (authorises) the suite: the install exists at once and `create_auth` carries a
   * single-use AuthCode (600 s) to exchange with get_permanent_code. 409 `already_installed` while it is installed;
   * a reinstall after an uninstall gets a new permanent code.
   */
  async install(suiteId: string, input: SuiteInstallInput): Promise<SuiteAuthCodeResult> {
    const entry = this.entry(suiteId);
    const parsed = parseSuiteInput(suiteInstallInputSchema, input);
    const corp = this.corp(parsed.corpid);
    if (this.state.suites.activeInstall(entry, corp.corpId) !== undefined) {
      throw new SandboxError(
        'already_installed',
        `corp ${corp.corpId} has already installed suite ${suiteId}`,
      );
    }
    if (parsed.userid !== undefined && this.state.directory.user(corp, parsed.userid) === undefined) {
      throw new SandboxError('unknown_user', `no user ${parsed.userid} in corp ${corp.corpId}`);
    }
    let authType: 0 | 1 = 0;
    if (parsed.preAuthCode !== undefined) {
      const found = this.state.suites.preAuthCode(entry, parsed.preAuthCode);
      if (found.status !== 'ok') {
        throw new SandboxError(
          'invalid_pre_auth_code',
          found.status === 'expired'
            ? 'the pre-auth code has expired'
            : `no pre-auth code of suite ${suiteId}`,
        );
      }
      authType = found.record.authType;
    }
    const { authCode } = this.state.suites.install(entry, corp.corpId, {
      state: parsed.state,
      installerUserid: parsed.userid,
      authType,
    });
    const delivery = await this.send(entry, {
      infoType: 'create_auth',
      authCode,
      state: parsed.state,
      corpId: corp.corpId,
    });
    return { suiteId, corpid: corp.corpId, authCode, expiresIn: AUTH_CODE_TTL_SECONDS, delivery };
  }

  /**
   * The corp uninstalls the suite: `cancel_auth`; its permanent code answers 40084 and its corp tokens 48004 from
   * now on.
   */
  async uninstall(suiteId: string, corpid: string): Promise<SuiteEventResult> {
    const entry = this.entry(suiteId);
    const corp = this.corp(corpid);
    const install = this.activeInstall(entry, corp);
    this.state.suites.cancel(install);
    this.state.tokens.mark({ corpid: corp.corpId, suiteId: entry.config.suiteId }, 'deauthorized');
    const delivery = await this.send(entry, { infoType: 'cancel_auth', corpId: corp.corpId });
    return { suiteId, corpid: corp.corpId, delivery };
  }

  /**
   * The corp's admin changes the authorisation (visible range): `change_auth`; get_auth_info and the corp APIs
   * follow the new `allowParty` / `allowUser` at once.
   */
  async changeAuth(suiteId: string, corpid: string, input: SuiteChangeInput = {}): Promise<SuiteEventResult> {
    const entry = this.entry(suiteId);
    const parsed = parseSuiteInput(suiteChangeInputSchema, input);
    const corp = this.corp(corpid);
    const install = this.activeInstall(entry, corp);
    for (const id of parsed.allowParty ?? []) {
      if (this.state.directory.department(corp, id) === undefined) {
        throw new TypeError(`allowParty: no department ${id} in corp ${corp.corpId}`);
      }
    }
    for (const userid of parsed.allowUser ?? []) {
      if (this.state.directory.user(corp, userid) === undefined) {
        throw new TypeError(`allowUser: no user ${userid} in corp ${corp.corpId}`);
      }
    }
    if (parsed.allowParty !== undefined || parsed.allowUser !== undefined) {
      const current = this.state.suites.agentApp(entry, corp, install).visibleRange;
      install.privilege = {
        allowParty: parsed.allowParty ?? current.departmentIds,
        allowUser: parsed.allowUser ?? current.userIds,
      };
    }
    const delivery = await this.send(entry, {
      infoType: 'change_auth',
      corpId: corp.corpId,
      state: parsed.state,
    });
    return { suiteId, corpid: corp.corpId, delivery };
  }

  /**
   * Resets the corp's permanent code: `reset_permanent_code` with a single-use AuthCode (600 s). The old permanent
   * code keeps working until that AuthCode is exchanged with get_permanent_code, then answers 40084.
   */
  async resetPermanentCode(suiteId: string, corpid: string): Promise<SuiteAuthCodeResult> {
    const entry = this.entry(suiteId);
    const corp = this.corp(corpid);
    const install = this.activeInstall(entry, corp);
    const authCode = this.state.suites.resetPermanentCode(entry, install);
    const delivery = await this.send(entry, {
      infoType: 'reset_permanent_code',
      authCode,
      corpId: corp.corpId,
    });
    return { suiteId, corpid: corp.corpId, authCode, expiresIn: AUTH_CODE_TTL_SECONDS, delivery };
  }

  /**
   * The installs in install order, a page at a time, with the permanent code in force: what a provider's database
   * would hold after exchanging every AuthCode (a sandbox may show it).
   */
  installs(suiteId: string, input: SuiteInstallListInput = {}): SuiteInstallPage {
    const entry = this.entry(suiteId);
    const parsed = parseSuiteInput(suiteInstallListInputSchema, input);
    const limit = parsed.limit ?? 1000;
    const wanted = parsed.status ?? 'active';
    const start =
      parsed.cursor === undefined || parsed.cursor === '' ? 0 : Number.parseInt(parsed.cursor, 36);
    const page: SuiteInstallListing[] = [];
    let index = start;
    for (; index < entry.installOrder.length && page.length < limit; index += 1) {
      const install = entry.installs.get(entry.installOrder[index] ?? '');
      if (install === undefined || (wanted !== 'all' && install.status !== wanted)) continue;
      page.push({
        ...this.summaryOf(install),
        permanent_code:
          install.status === 'active' ? this.state.suites.permanentCode(entry.config.suiteId, install) : null,
      });
    }
    return { installs: page, nextCursor: index < entry.installOrder.length ? index.toString(36) : '' };
  }

  /** The suite's live suite_access_tokens answer 42009 from now on. */
  expireTokens(suiteId: string): { expired: number } {
    const entry = this.entry(suiteId);
    return { expired: this.state.suites.tokens.mark({ corpid: entry.config.suiteId }, 'expired') };
  }

  /** The suite's live suite_access_tokens answer 40082 from now on. */
  revokeTokens(suiteId: string): { revoked: number } {
    const entry = this.entry(suiteId);
    return { revoked: this.state.suites.tokens.mark({ corpid: entry.config.suiteId }, 'revoked') };
  }

  /** Resolves once every ticket push under way (e.g. after a clock jump) has had its first try. */
  ticketPushesSettled(): Promise<void> {
    return this.state.suiteTickets.settled();
  }
}
