/**
 * Applies a decrypted WeCom `change_contact` event to what the gateway holds: cached profiles, department names,
 * and the sessions of employees who left, were disabled or were renamed. Every step is idempotent, because WeCom
 * retries and an event may be applied again after a crash.
 *
 * A userid names whoever holds it now: after a rename or a departure WeCom may give it to another person. So an
 * event reaches only the sessions that existed when it happened (see {@link changeBound}), never a later login of
 * the userid's next holder, however late the event is applied; and a rename revokes the renamed employee's sessions
 * instead of moving them, since their access tokens name the old userid (the client logs in again, under the new one).
 */
import type { CallbackMessage } from '@wecom-auth/crypto';
import type { RevokeReason, SessionStore, UserSessionsBound } from '@wecom-auth/store';
import type { EmployeeDirectory } from '../employees/employee-directory.js';
import { revocationEventReason, type SecurityEvents } from '../security-events/security-event.js';
import type { RevocationMirror } from '../sessions/revocation-mirror.js';

export interface ContactChangeApplierOptions {
  readonly sessions: SessionStore;
  readonly directory: EmployeeDirectory;
  readonly revocations: RevocationMirror;
  readonly now: () => number;
  /** Where the revocations it makes are reported; nowhere when absent. */
  readonly events?: SecurityEvents;
}

/** What applying one event did, for the log line (never names a secret). */
export interface AppliedChange {
  readonly kind: CallbackMessage['kind'];
  readonly revokedSessions: number;
}

/** WeCom member status: 1 active, 2 disabled, 4 not activated, 5 left the company. */
const ACTIVE_STATUS = 1;
const LEFT_STATUS = 5;

/**
 * The sessions an event can concern: those created before the end of the second its `CreateTime` names (WeCom's
 * time is in whole seconds, so a login in the same second, just before the change, is still reached; one just after
 * it is revoked too, and its client logs in again), and never one created after the gateway received the event.
 */
export function changeBound(event: CallbackMessage, receivedAt: number): UserSessionsBound {
  const createTime = event.createTime ?? event.timeStamp;
  const endOfEventSecond =
    createTime === undefined || !Number.isFinite(createTime)
      ? Number.POSITIVE_INFINITY
      : (createTime + 1) * 1000;
  return { createdBefore: Math.min(endOfEventSecond, receivedAt) };
}

export class ContactChangeApplier {
  readonly #options: ContactChangeApplierOptions;

  constructor(options: ContactChangeApplierOptions) {
    this.#options = options;
  }

  /**
   * Applies one event of `corpId`'s directory (the corp whose callback delivered it), recorded by the gateway at
   * `receivedAt` (epoch ms).
   */
  async apply(event: CallbackMessage, corpId: string, receivedAt: number): Promise<AppliedChange> {
    const { directory } = this.#options;
    const bound = changeBound(event, receivedAt);
    let revokedSessions = 0;
    switch (event.kind) {
      case 'update_user': {
        if (event.userId === undefined) break;
        let userId = event.userId;
        if (event.newUserId !== undefined && event.newUserId !== event.userId) {
          revokedSessions += await this.#revokeUser(corpId, event.userId, 'employee_renamed', bound);
          await directory.forget(corpId, event.newUserId);
          userId = event.newUserId;
        }
        await directory.forget(corpId, event.userId);
        if (event.status !== undefined && event.status !== ACTIVE_STATUS) {
          const reason = event.status === LEFT_STATUS ? 'employee_left' : 'employee_disabled';
          revokedSessions += await this.#revokeUser(corpId, userId, reason, bound);
        }
        break;
      }
      case 'delete_user':
        if (event.userId === undefined) break;
        revokedSessions = await this.#revokeUser(corpId, event.userId, 'employee_left', bound);
        await directory.forget(corpId, event.userId);
        break;
      case 'create_user':
        // A member re-created under a userid we cached as gone must not keep the stale profile.
        if (event.userId !== undefined) await directory.forget(corpId, event.userId);
        break;
      case 'create_party':
      case 'update_party':
      case 'delete_party':
        await directory.forgetDepartments(corpId);
        break;
      case 'update_tag':
      case 'unknown':
        break;
    }
    return { kind: event.kind, revokedSessions };
  }

  async #revokeUser(
    corpId: string,
    userId: string,
    reason: RevokeReason,
    bound: UserSessionsBound,
  ): Promise<number> {
    const at = this.#options.now();
    const revoked = await this.#options.sessions.revokeUser(corpId, userId, reason, at, bound);
    // This instance refuses the tokens at once; the others learn it from the store's revocation feed. The mirror
    // caps every entry at the access-token horizon, so the session's own expiry is not needed here.
    for (const sessionId of revoked) {
      this.#options.revocations.add({ sessionId, revokedAt: at, expiresAt: Number.MAX_SAFE_INTEGER });
      this.#options.events?.record({
        type: 'session.revoked',
        corpId,
        userId,
        sessionId,
        reason: revocationEventReason(reason),
      });
    }
    return revoked.length;
  }
}
