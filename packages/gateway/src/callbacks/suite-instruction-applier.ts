/**
 * Applies what a third-party app's instruction callback says: the newest suite_ticket, installs (the auth code
 * exchanged at once for the corp's permanent code, sealed before it is stored), changed authorisations, reset
 * permanent codes, uninstalls (the corp's sessions end, its token and permanent code are deleted) and the contact
 * changes of installed corps. Every step is idempotent and ordered by WeCom's `TimeStamp`, because WeCom retries a
 * delivery it did not see acknowledged and deliveries may arrive out of order.
 */
import { type AccessTokenStore, WecomApiError, WecomAuthorizationGoneError } from '@wecom-auth/api';
import {
  type CallbackMessage,
  parseCallbackMessage,
  parseSuiteInstruction,
  type SuiteTicketInstruction,
} from '@wecom-auth/crypto';
import type { InboxEvent, SessionStore, SuiteInstallRecord, SuiteStore } from '@wecom-auth/store';
import { revocationEventReason, type SecurityEvents } from '../security-events/security-event.js';
import type { DataSealer } from '../sessions/data-sealer.js';
import type { SuiteTenants } from '../tenants/suite-tenants.js';
import type { AppliedEvent } from './callback-queue.js';
import type { ContactChangeApplier } from './contact-change-applier.js';

export interface SuiteInstructionApplierOptions {
  readonly tenants: SuiteTenants;
  readonly suites: SuiteStore;
  readonly sessions: Pick<SessionStore, 'revokeCorp'>;
  /** Where the corps' tokens are cached: an uninstalled corp's is deleted. */
  readonly accessTokens: Pick<AccessTokenStore, 'get' | 'deleteIfToken'>;
  readonly sealer: Pick<DataSealer, 'seal'>;
  readonly contacts: Pick<ContactChangeApplier, 'apply'>;
  readonly now: () => number;
  /** Where an uninstall's revocation of the corp's sessions is reported; nowhere when absent. */
  readonly events?: SecurityEvents;
}

/** `40078`: the auth code was used already or has expired; a repeat delivery's exchange can never succeed. */
const authCodeUsedErrcode = 40078;

export class SuiteInstructionApplier {
  readonly #options: SuiteInstructionApplierOptions;

  constructor(options: SuiteInstructionApplierOptions) {
    this.#options = options;
  }

  /** Stores a pushed ticket unless a newer one is known (never an older over a newer): `stored` or `stale`. */
  async offerTicket(instruction: SuiteTicketInstruction, receivedAt: number): Promise<'stored' | 'stale'> {
    const outcome = await this.#options.suites.offerTicket({
      suiteId: instruction.suiteId,
      ticket: instruction.suiteTicket,
      timestamp: instruction.timeStamp,
      receivedAt,
    });
    return outcome;
  }

  /**
   * Ends a corp's installation: the install is removed (with its permanent code) unless a newer event is known, the
   * corp's token is dropped, and every session of the corp is revoked, on every instance through the store's feeds.
   */
  async uninstall(corpId: string, timeStamp: number): Promise<AppliedEvent> {
    const { tenants, suites, sessions, accessTokens, now } = this.#options;
    const at = now();
    // The corp's token is dropped while its cache key can still be known (it hashes the permanent code).
    let cacheKey: string | undefined;
    try {
      cacheKey = tenants.has(corpId) ? tenants.clientFor(corpId).accessToken.cacheKey : undefined;
    } catch {
      // The permanent code cannot be opened (the data key changed): the token then expires by itself.
    }
    if (cacheKey !== undefined) {
      const cached = await accessTokens.get(cacheKey);
      if (cached) await accessTokens.deleteIfToken(cacheKey, cached.token);
    }
    const outcome = await suites.removeInstall(tenants.suiteId, corpId, timeStamp, at);
    if (outcome === 'stale') return { kind: 'cancel_auth', outcome };
    tenants.installs.apply(corpId, undefined);
    const revokedSessions = await sessions.revokeCorp(corpId, 'corp_uninstalled', at);
    // One fact for the corp: its every session ended with the installation (each session's own id is not listed).
    if (revokedSessions > 0) {
      this.#options.events?.record({
        type: 'session.revoked',
        corpId,
        reason: revocationEventReason('corp_uninstalled'),
      });
    }
    return { kind: 'cancel_auth', outcome, revokedSessions };
  }

  /** Applies an instruction recorded in the inbox (everything but tickets and uninstalls, which apply at once). */
  async apply(event: InboxEvent): Promise<AppliedEvent> {
    const instruction = parseSuiteInstruction(event.payload);
    switch (instruction.infoType) {
      case 'create_auth':
      case 'reset_permanent_code':
        return this.#exchange((instruction as { authCode: string }).authCode, instruction);
      case 'change_auth':
        return this.#refresh((instruction as { authCorpId: string }).authCorpId, instruction.timeStamp);
      case 'cancel_auth':
        return this.uninstall((instruction as { authCorpId: string }).authCorpId, instruction.timeStamp);
      case 'change_contact':
        return this.#contactChange(event);
      default:
        return { kind: instruction.infoType, outcome: 'ignored' };
    }
  }

  /** An auth code (of an install or a reset) becomes the corp's permanent code, sealed, and its auth info. */
  async #exchange(
    authCode: string,
    instruction: { readonly infoType: string; readonly timeStamp: number },
  ): Promise<AppliedEvent> {
    const { tenants, suites, sealer, now } = this.#options;
    let granted: Awaited<ReturnType<SuiteTenants['suite']['service']['getPermanentCode']>>;
    try {
      granted = await tenants.suite.service.getPermanentCode(authCode);
    } catch (error) {
      // A repeat of a delivery whose code was already exchanged (or a code past its 10 minutes): nothing to retry.
      if (error instanceof WecomApiError && error.errcode === authCodeUsedErrcode) {
        return { kind: instruction.infoType, outcome: 'auth_code_used' };
      }
      throw error;
    }
    const at = now();
    const existing = await suites.install(tenants.suiteId, granted.corpId);
    const record: SuiteInstallRecord = {
      suiteId: tenants.suiteId,
      corpId: granted.corpId,
      corpName: granted.corpName,
      permanentCodeCiphertext: sealer.seal(granted.permanentCode, 'permanent_code'),
      authInfo: JSON.stringify(granted.authInfo ?? {}),
      installedAt: existing?.installedAt ?? at,
      updatedAt: at,
      eventTimestamp: instruction.timeStamp,
    };
    const outcome = await suites.saveInstall(record);
    if (outcome === 'stored') tenants.installs.apply(granted.corpId, record);
    return { kind: instruction.infoType, corpId: granted.corpId, outcome };
  }

  /** A changed authorisation: the corp's auth info is read again with its permanent code. */
  async #refresh(corpId: string, timeStamp: number): Promise<AppliedEvent> {
    const { tenants, suites, now } = this.#options;
    const existing = await suites.install(tenants.suiteId, corpId);
    if (existing === undefined || !tenants.has(corpId)) return { kind: 'change_auth', outcome: 'absent' };
    let info: Awaited<ReturnType<SuiteTenants['suite']['service']['getAuthInfo']>>;
    try {
      info = await tenants.suite.service.getAuthInfo(corpId, tenants.permanentCodeOf(corpId));
    } catch (error) {
      // 40084 / 48004: this permanent code will never read the corp's authorisation again. Retrying would ask
      // WeCom forever and hold back the corp's later instructions; its cancel_auth or reset_permanent_code, or a
      // reinstall, is what changes the install now.
      if (error instanceof WecomAuthorizationGoneError) {
        return { kind: 'change_auth', corpId, outcome: 'authorization_gone', errcode: error.errcode };
      }
      throw error;
    }
    const record: SuiteInstallRecord = {
      ...existing,
      corpName: info.corpName ?? existing.corpName,
      authInfo: JSON.stringify(info.authInfo ?? {}),
      updatedAt: now(),
      eventTimestamp: timeStamp,
    };
    const outcome = await suites.saveInstall(record);
    return { kind: 'change_auth', corpId, outcome };
  }

  /** A contact change of an installed corp: applied as that corp's own callback would be (leavers lose access). */
  async #contactChange(event: InboxEvent): Promise<AppliedEvent> {
    const message: CallbackMessage = parseCallbackMessage(event.payload);
    const corpId = message.authCorpId;
    if (corpId === undefined || !this.#options.tenants.has(corpId)) {
      return { kind: 'change_contact', outcome: 'not_installed' };
    }
    return { ...(await this.#options.contacts.apply(message, corpId, event.receivedAt)) };
  }
}
