/**
 * Drives an evidence gateway running as the sandbox's demo third-party app: its clock kept with the sandbox's (the
 * instruction callback judges a signature's age by the gateway's clock, and tickets, tokens and auth codes live on
 * the sandbox's), the instruction applies it logs, its exchanges with WeCom as its metrics count them, and the
 * provider's console moves (install, change the authorisation, uninstall) with the callback's answer checked.
 */
import { DEMO_CORP_ID, demoSuite, type SandboxControl, SUBSIDIARY_CORP_ID } from '@wecom-auth/sandbox';
import { eventually } from '@wecom-auth/testing';
import { expect } from 'vitest';
import { recordSecret } from './evidence.js';
import type { EvidenceGateway } from './evidence-gateway.js';

/** What the gateway logs once an instruction from its inbox was applied, or failed to apply. */
export const appliedMessage = 'suite instruction applied';
export const applyFailedMessage = 'suite instruction apply failed; will retry';

/** A log line of the gateway, parsed. */
export type LogRecord = Readonly<Record<string, unknown>> & { readonly msg?: string };

/** The corps the demo suite is installed in from the start. */
export const installedCorps: readonly string[] = [DEMO_CORP_ID, SUBSIDIARY_CORP_ID];

export class SuiteGatewayDriver {
  readonly g: EvidenceGateway;

  constructor(g: EvidenceGateway) {
    this.g = g;
  }

  get control(): SandboxControl {
    return this.g.sandbox.control;
  }

  /** Points the demo suite at the gateway (URL check, first ticket) and installs it in the demo corps. */
  async connect(): Promise<void> {
    await this.sync();
    const { ticket } = await this.control.suites.setCallback(demoSuite.suiteId, {
      url: `${this.g.gateway.url}/v1/suite/callback`,
    });
    recordSecret('suite_ticket', ticket.ticket);
    for (const corpId of installedCorps) await this.install(corpId);
    const tenants = this.g.suiteTenants();
    expect(await eventually(() => installedCorps.every((corpId) => tenants.has(corpId)), 10_000)).toBe(true);
    await this.g.recordSuiteSecrets();
  }

  /**
   * Brings the gateway's (manual) clock up to the sandbox's, which runs in real time: WeCom signs instructions with
   * its own clock, and the gateway refuses one signed more than a minute ahead of its own.
   */
  async sync(): Promise<void> {
    const ahead = this.control.clock().unixSeconds * 1000 - this.g.now();
    if (ahead > 0) this.g.advanceClock(ahead);
  }

  /** Moves both clocks forward (tickets fall due and are pushed), and waits for the pushes. */
  async advance(ms: number): Promise<void> {
    this.g.advanceClock(ms);
    this.control.advanceClock(ms / 1000);
    await this.control.suites.ticketPushesSettled();
    await this.sync();
  }

  /** The token managers of the suite and the installed corps that failed their last fetch, by failures. */
  tokenFailures(): number {
    const tenants = this.g.suiteTenants();
    let failures = tenants.suite.status().consecutiveFailures;
    for (const corpId of installedCorps)
      if (tenants.has(corpId))
        failures = Math.max(failures, tenants.clientFor(corpId).status().consecutiveFailures);
    return failures;
  }

  /** Past the backoff of every token manager that failed (1 s doubling per failure, 60 s at most). */
  async pastTokenBackoff(): Promise<void> {
    const failures = this.tokenFailures();
    if (failures > 0) await this.advance(Math.min(60_000, 1_000 * 2 ** (failures - 1)) + 1_000);
  }

  /** Parsed log lines from `from` on. */
  logsFrom(from: number): LogRecord[] {
    return this.g.logLines.slice(from).map((line) => JSON.parse(line) as LogRecord);
  }

  /** Waits for `count` apply outcomes (applied or failed) logged since `from`; returns them in order. */
  async applies(from: number, count = 1): Promise<LogRecord[]> {
    const outcomes = () =>
      this.logsFrom(from).filter((line) => line.msg === appliedMessage || line.msg === applyFailedMessage);
    const seen = await eventually(() => outcomes().length >= count, 15_000, 10);
    expect(seen, `${count} instruction applies logged`).toBe(true);
    return outcomes();
  }

  /** The gateway's count of HTTP exchanges with WeCom by API path (its `/metrics`). */
  async exchanges(): Promise<Map<string, number>> {
    const { text } = await this.g.call('GET', '/metrics');
    const counts = new Map<string, number>();
    for (const match of text.matchAll(/^wecom_auth_wecom_calls_total\{[^}]*api="([^"]+)"[^}]*\} (\d+)$/gm)) {
      const [, api, value] = match;
      if (api !== undefined) counts.set(api, (counts.get(api) ?? 0) + Number(value));
    }
    return counts;
  }

  /** Instructions recorded and not applied yet. */
  async pending(): Promise<number> {
    return (await this.g.gateway.services.store.inbox.pending(100)).length;
  }

  /** True when the gateway has the corp installed: in its store, and in the installs its logins go by. */
  async installed(corpId: string): Promise<boolean> {
    const stored = await this.g.gateway.services.store.suites.install(demoSuite.suiteId, corpId);
    return stored !== undefined && this.g.suiteTenants().has(corpId);
  }

  /** A corp's admin installs the suite: `create_auth` to the gateway, which must answer `success`. */
  async install(corpId: string): Promise<void> {
    await this.sync();
    const { authCode, delivery } = await this.control.suites.install(demoSuite.suiteId, { corpid: corpId });
    recordSecret('auth_code', authCode);
    expect(delivery, 'create_auth delivered').toMatchObject({ lastStatus: 200, state: 'delivered' });
  }

  /** The corp's admin changes the authorisation: `change_auth`, answered `success`. */
  async changeAuth(corpId: string): Promise<void> {
    await this.sync();
    const { delivery } = await this.control.suites.changeAuth(demoSuite.suiteId, corpId);
    expect(delivery, 'change_auth delivered').toMatchObject({ lastStatus: 200, state: 'delivered' });
  }

  /** The corp's permanent code is reset: `reset_permanent_code`, answered `success`. */
  async resetPermanentCode(corpId: string): Promise<void> {
    await this.sync();
    const { authCode, delivery } = await this.control.suites.resetPermanentCode(demoSuite.suiteId, corpId);
    recordSecret('auth_code', authCode);
    expect(delivery, 'reset_permanent_code delivered').toMatchObject({ lastStatus: 200, state: 'delivered' });
  }

  /** The corp uninstalls: `cancel_auth`, applied before the gateway answers `success`. */
  async uninstall(corpId: string): Promise<void> {
    await this.sync();
    const { delivery } = await this.control.suites.uninstall(demoSuite.suiteId, corpId);
    expect(delivery, 'cancel_auth delivered').toMatchObject({ lastStatus: 200, state: 'delivered' });
  }

  /** An active member of a corp of the sandbox's directory (the partner corp installs the app in some tests). */
  activeMember(corpId: string): string {
    const corp = this.control.directory().corps.find((candidate) => candidate.corpId === corpId);
    const user = corp?.users.find((candidate) => candidate.status === 1);
    if (!user) throw new Error(`corp ${corpId} has no active member`);
    return user.userid;
  }

  /** Every permanent code the sandbox issued and still honours: the scan searches for them. */
  recordIssuedPermanentCodes(): void {
    const { installs } = this.control.suites.installs(demoSuite.suiteId, { status: 'all' });
    for (const install of installs) recordSecret('permanent_code', install.permanent_code ?? undefined);
  }
}
