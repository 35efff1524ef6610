/**
 * What the sandbox knows of its suites (third-party apps): their callback URLs and pushed suite_tickets, their
 * suite_access_tokens, and per corp the install (授权) with its permanent code, plus the single-use auth codes and
 * pre-auth codes of the install flow (wecom-suite.md §1–§2).
 *
 * Permanent codes are not stored: each is an HMAC of (suite, corp, generation) under a per-sandbox key, so ten
 * thousand pre-installed corps cost one small record each and no random draws.
 */
import { createHash, createHmac, randomBytes } from 'node:crypto';
import type { SandboxClock } from './clock.js';
import type { AppFixture, CorpFixture } from './directory-schema.js';
import type { RandomSource } from './random-source.js';
import type { SuiteFixture } from './suite-schema.js';
import { TokenRegistry } from './token-registry.js';

/** WeCom pushes a suite_ticket every ten minutes (wecom-suite.md §2). */
export const SUITE_TICKET_PUSH_SECONDS = 600;
/** "suite_ticket实际有效期为30分钟". */
export const SUITE_TICKET_TTL_SECONDS = 1800;
/** create_auth / reset_permanent_code AuthCodes are valid ten minutes. */
export const AUTH_CODE_TTL_SECONDS = 600;
/** get_pre_auth_code answers `expires_in: 1200`. */
export const PRE_AUTH_CODE_TTL_SECONDS = 1200;

/** One corp's authorisation of a suite. */
export interface SuiteInstall {
  corpId: string;
  status: 'active' | 'cancelled';
  /** The permanent code in force is derived from (suite, corp, generation); a reinstall or a reset moves it on. */
  generation: number;
  /** After reset_permanent_code: the new code's generation, in force once its AuthCode is exchanged. */
  pendingGeneration?: number;
  installedAtMs: number;
  cancelledAtMs?: number;
  /** The admin who installed it (auth_user_info); default the corp's first active member. */
  installerUserid?: string;
  /** The `state` of the install link, echoed in create_auth and get_permanent_code. */
  state?: string;
  /** 0 official, 1 test install (set_session_info on the pre-auth code used). */
  authType: 0 | 1;
  /** The agent's visible range after a change_auth; the whole corp when absent. */
  privilege?: { allowParty: number[]; allowUser: string[] };
}

/** A pushed suite_ticket. */
export interface SuiteTicketRecord {
  ticket: string;
  issuedAtMs: number;
}

interface AuthCodeRecord {
  suiteId: string;
  corpId: string;
  kind: 'create_auth' | 'reset_permanent_code';
  /** The generation the code hands out; a later reinstall or reset makes it stale. */
  generation: number;
  expiresAtMs: number;
}

interface PreAuthCodeRecord {
  suiteId: string;
  authType: 0 | 1;
  expiresAtMs: number;
}

/** A suite's mutable state in a running sandbox. */
export class SuiteEntry {
  callbackUrl: string | undefined;
  /** Pushed tickets still within their 30 minutes, oldest first. */
  tickets: SuiteTicketRecord[] = [];
  /** When the next scheduled push is due (only while a callback URL is registered). */
  nextTicketDueMs: number | undefined;
  readonly installs = new Map<string, SuiteInstall>();
  /**
   * Corp ids in first-install order: the paging order of the installs listing (a cancelled install keeps its place).
   */
  readonly installOrder: string[] = [];

  constructor(readonly config: SuiteFixture) {
    this.callbackUrl = config.instructionCallbackUrl;
  }
}

/** The outcome of an auth code exchange. */
export type AuthCodeExchange =
  | { status: 'ok'; install: SuiteInstall; kind: AuthCodeRecord['kind'] }
  | { status: 'invalid' }
  | { status: 'other_suite' };

/** The outcome of a permanent code check. */
export type PermanentCodeCheck = { status: 'ok'; install: SuiteInstall } | { status: 'invalid' };

function rootDepartments(corp: CorpFixture): number[] {
  return corp.departments.filter((dept) => dept.parentid === 0).map((dept) => dept.id);
}

/** The secret a suite's corp tokens are keyed under in the token registry; no corp app can have it. */
export function suiteTokenKey(suiteId: string): string {
  return `\u0000suite\u0000${suiteId}`;
}

export class SuiteRegistry {
  /** suite_access_tokens, keyed by (suite_id, suite_secret); `corpId` of a record is the suite_id. */
  readonly tokens: TokenRegistry;
  private readonly entries = new Map<string, SuiteEntry>();
  private readonly authCodes = new Map<string, AuthCodeRecord>();
  private readonly preAuthCodes = new Map<string, PreAuthCodeRecord>();
  private readonly codeKey: Buffer;

  constructor(
    private readonly suites: readonly SuiteFixture[],
    private readonly clock: SandboxClock,
    private readonly random: RandomSource,
    seed: string | number | undefined,
    tokenLifetimeSeconds: number,
  ) {
    this.tokens = new TokenRegistry(clock, random, tokenLifetimeSeconds);
    // Seeded sandboxes derive the same permanent codes run after run; others get an unguessable key.
    this.codeKey =
      seed === undefined
        ? randomBytes(32)
        : createHash('sha256')
            .update(`suite-permanent-codes\u0000${String(seed)}`)
            .digest();
    this.load();
  }

  private load(): void {
    this.entries.clear();
    const now = this.clock.nowMs();
    for (const config of this.suites) {
      const entry = new SuiteEntry(config);
      for (const corpId of config.installs) {
        entry.installs.set(corpId, {
          corpId,
          status: 'active',
          generation: 0,
          installedAtMs: now,
          authType: 0,
        });
        entry.installOrder.push(corpId);
      }
      this.entries.set(config.suiteId, entry);
    }
  }

  get(suiteId: string): SuiteEntry | undefined {
    return this.entries.get(suiteId);
  }

  list(): SuiteEntry[] {
    return [...this.entries.values()];
  }

  get size(): number {
    return this.entries.size;
  }

  /** Whether some suite is bound to this mini program. */
  hasMiniProgram(appId: string): boolean {
    return this.suites.some((suite) => suite.miniProgramAppId === appId);
  }

  // ---- suite_ticket ----

  /** Issues a new ticket (the newest); schedules the next push when the suite has a callback URL. */
  issueTicket(entry: SuiteEntry): SuiteTicketRecord {
    const now = this.clock.nowMs();
    this.pruneTickets(entry);
    const record = { ticket: this.random.bytes(48).toString('base64url'), issuedAtMs: now };
    entry.tickets.push(record);
    entry.nextTicketDueMs =
      entry.callbackUrl === undefined ? undefined : now + SUITE_TICKET_PUSH_SECONDS * 1000;
    return record;
  }

  /** Any ticket pushed within the last 30 minutes is accepted, not only the newest. */
  isTicketValid(entry: SuiteEntry, ticket: string): boolean {
    this.pruneTickets(entry);
    return entry.tickets.some((record) => record.ticket === ticket);
  }

  latestTicket(entry: SuiteEntry): SuiteTicketRecord | undefined {
    this.pruneTickets(entry);
    return entry.tickets.at(-1);
  }

  private pruneTickets(entry: SuiteEntry): void {
    const oldest = this.clock.nowMs() - SUITE_TICKET_TTL_SECONDS * 1000;
    if (entry.tickets.some((record) => record.issuedAtMs <= oldest)) {
      entry.tickets = entry.tickets.filter((record) => record.issuedAtMs > oldest);
    }
  }

  // ---- installs and codes ----

  /**
   * Installs the suite in a corp (a reinstall after cancel_auth moves to a new permanent code) and mints the
   * create_auth AuthCode. The caller checks that the corp has no active install.
   */
  install(
    entry: SuiteEntry,
    corpId: string,
    details: { state?: string | undefined; installerUserid?: string | undefined; authType: 0 | 1 },
  ): { install: SuiteInstall; authCode: string } {
    const previous = entry.installs.get(corpId);
    const install: SuiteInstall = {
      corpId,
      status: 'active',
      generation:
        previous === undefined ? 0 : Math.max(previous.generation, previous.pendingGeneration ?? 0) + 1,
      installedAtMs: this.clock.nowMs(),
      authType: details.authType,
      ...(details.state === undefined ? {} : { state: details.state }),
      ...(details.installerUserid === undefined ? {} : { installerUserid: details.installerUserid }),
    };
    if (previous === undefined) entry.installOrder.push(corpId);
    entry.installs.set(corpId, install);
    return { install, authCode: this.mintAuthCode(entry, install, 'create_auth', install.generation) };
  }

  /** cancel_auth: the permanent code and every AuthCode of the install stop working at once. */
  cancel(install: SuiteInstall): void {
    install.status = 'cancelled';
    install.cancelledAtMs = this.clock.nowMs();
    delete install.pendingGeneration;
  }

  /**
   * reset_permanent_code: mints the AuthCode of a new permanent code. The old code stays in force until that
   * AuthCode is exchanged (get_permanent_code), then answers 40084. A second reset supersedes the first's AuthCode.
   */
  resetPermanentCode(entry: SuiteEntry, install: SuiteInstall): string {
    const generation = Math.max(install.generation, install.pendingGeneration ?? 0) + 1;
    install.pendingGeneration = generation;
    return this.mintAuthCode(entry, install, 'reset_permanent_code', generation);
  }

  private mintAuthCode(
    entry: SuiteEntry,
    install: SuiteInstall,
    kind: AuthCodeRecord['kind'],
    generation: number,
  ): string {
    this.pruneCodes();
    // "auth_code … 64–512 bytes": 48 random bytes are 64 base64url characters.
    const code = this.random.bytes(48).toString('base64url');
    this.authCodes.set(code, {
      suiteId: entry.config.suiteId,
      corpId: install.corpId,
      kind,
      generation,
      expiresAtMs: this.clock.nowMs() + AUTH_CODE_TTL_SECONDS * 1000,
    });
    return code;
  }

  /** Exchanges an AuthCode once (get_permanent_code): unknown, used, expired or stale → `invalid` (40078). */
  exchangeAuthCode(entry: SuiteEntry, code: string): AuthCodeExchange {
    const record = this.authCodes.get(code);
    if (record === undefined || record.expiresAtMs <= this.clock.nowMs()) return { status: 'invalid' };
    if (record.suiteId !== entry.config.suiteId) return { status: 'other_suite' };
    const install = entry.installs.get(record.corpId);
    if (install === undefined || install.status !== 'active') return { status: 'invalid' };
    const current =
      record.kind === 'create_auth'
        ? record.generation === install.generation
        : record.generation === install.pendingGeneration;
    if (!current) return { status: 'invalid' };
    this.authCodes.delete(code);
    if (record.kind === 'reset_permanent_code') {
      install.generation = record.generation;
      delete install.pendingGeneration;
    }
    return { status: 'ok', install, kind: record.kind };
  }

  /** The permanent code in force for an active install. */
  permanentCode(suiteId: string, install: SuiteInstall): string {
    return createHmac('sha256', this.codeKey)
      .update(`permanent_code\u0000${suiteId}\u0000${install.corpId}\u0000${install.generation}`)
      .digest('base64url');
  }

  /** Checks `code` against the corp's active install of this suite (40084 otherwise). */
  checkPermanentCode(entry: SuiteEntry, corpId: string, code: string): PermanentCodeCheck {
    const install = entry.installs.get(corpId);
    if (install === undefined || install.status !== 'active') return { status: 'invalid' };
    return this.permanentCode(entry.config.suiteId, install) === code
      ? { status: 'ok', install }
      : { status: 'invalid' };
  }

  /** The suite whose active install in `corpId` has this permanent code, when it is another suite (48003). */
  permanentCodeOwner(corpId: string, code: string): SuiteEntry | undefined {
    return this.list().find((entry) => this.checkPermanentCode(entry, corpId, code).status === 'ok');
  }

  /** The active install of the suite in a corp. */
  activeInstall(entry: SuiteEntry, corpId: string): SuiteInstall | undefined {
    const install = entry.installs.get(corpId);
    return install?.status === 'active' ? install : undefined;
  }

  /**
   * The suite's agent in a corp, shaped as a corp app so that the corp APIs (user/get, department/*) treat its
   * tokens like any app's: the suite's mini program, its IP allow-list, the install's visible range.
   */
  agentApp(entry: SuiteEntry, corp: CorpFixture, install: SuiteInstall): AppFixture {
    const { config } = entry;
    return {
      agentId: config.agentId,
      name: config.name,
      secret: suiteTokenKey(config.suiteId),
      miniProgramAppId: config.miniProgramAppId,
      createdAfter20220620: config.createdAfter20220620,
      trustedIps: config.trustedIps,
      visibleRange: {
        userIds: install.privilege?.allowUser ?? [],
        departmentIds: install.privilege?.allowParty ?? rootDepartments(corp),
      },
    };
  }

  issuePreAuthCode(entry: SuiteEntry): { code: string; expiresIn: number } {
    this.pruneCodes();
    const code = this.random.bytes(32).toString('base64url');
    this.preAuthCodes.set(code, {
      suiteId: entry.config.suiteId,
      authType: 0,
      expiresAtMs: this.clock.nowMs() + PRE_AUTH_CODE_TTL_SECONDS * 1000,
    });
    return { code, expiresIn: PRE_AUTH_CODE_TTL_SECONDS };
  }

  /** A pre-auth code of this suite: `expired` (42007) or `invalid` (40077) otherwise. */
  preAuthCode(
    entry: SuiteEntry,
    code: string,
  ): { status: 'ok'; record: PreAuthCodeRecord } | { status: 'expired' | 'invalid' } {
    const record = this.preAuthCodes.get(code);
    if (record === undefined || record.suiteId !== entry.config.suiteId) return { status: 'invalid' };
    if (record.expiresAtMs <= this.clock.nowMs()) return { status: 'expired' };
    return { status: 'ok', record };
  }

  /** Forgets expired codes, so that a long benchmark does not grow the maps without bound. */
  private pruneCodes(): void {
    if (this.authCodes.size + this.preAuthCodes.size < 10_000) return;
    const now = this.clock.nowMs();
    for (const [code, record] of this.authCodes) if (record.expiresAtMs <= now) this.authCodes.delete(code);
    // Expired pre-auth codes are kept an hour longer so that they answer 42007 rather than 40077.
    for (const [code, record] of this.preAuthCodes) {
      if (record.expiresAtMs + 3_600_000 <= now) this.preAuthCodes.delete(code);
    }
  }

  /** Back to the start: the configured callback URLs and installs; no tickets, tokens or codes. */
  reset(): void {
    this.tokens.clear();
    this.authCodes.clear();
    this.preAuthCodes.clear();
    this.load();
  }
}
