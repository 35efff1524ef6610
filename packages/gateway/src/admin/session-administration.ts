/**
 * What an operator does to sessions: see one employee's live sessions, end one, end them all. Ending is what a
 * leaver gets: the store marks the session revoked (so its refresh token is refused), this instance's revocation
 * mirror refuses its access tokens at once, the other instances learn it from the store's feed within a second, and
 * a `session.revoked` event with reason `admin` is recorded for each.
 */
import type { SessionRecord, SessionStore } from '@wecom-auth/store';
import {
  type ClientContext,
  revocationEventReason,
  type SecurityEvents,
} from '../security-events/security-event.js';
import type { RevocationMirror } from '../sessions/revocation-mirror.js';
import type { SessionService } from '../sessions/session-service.js';

/**
 * What ending sessions goes through: the store, the session service, this instance's revocation mirror, the log.
 *
 * @example
 * const options: SessionAdministrationOptions = { store: store.sessions, sessions: () => services.sessions,
 *   revocations: services.revocations, events: services.events, now: Date.now };
 */
export interface SessionAdministrationOptions {
  readonly store: SessionStore;
  /** Read per call: the session service exists once the store has been reached. */
  readonly sessions: () => Pick<SessionService, 'revoke'>;
  readonly revocations: Pick<RevocationMirror, 'add'>;
  readonly events: SecurityEvents;
  readonly now: () => number;
}

/**
 * The operator's actions on sessions.
 *
 * @example
 * const administration = new SessionAdministration(options);
 * const ended = await administration.revokeAll('ww0123456789abcdef', 'zhangsan', client);
 */
export class SessionAdministration {
  readonly #options: SessionAdministrationOptions;

  constructor(options: SessionAdministrationOptions) {
    this.#options = options;
  }

  /** The live sessions of one employee, oldest first. */
  list(corpId: string, userId: string): Promise<SessionRecord[]> {
    return this.#options.store.listUser(corpId, userId);
  }

  /** Ends one session; false when no live session has this id. */
  async revokeOne(sessionId: string, client: ClientContext): Promise<boolean> {
    return this.#options.sessions().revoke(sessionId, 'admin', client);
  }

  /** Ends every live session of one employee; returns their ids. */
  async revokeAll(corpId: string, userId: string, client: ClientContext): Promise<string[]> {
    const { store, revocations, events, now } = this.#options;
    const at = now();
    const revoked = await store.revokeUser(corpId, userId, 'admin', at);
    for (const sessionId of revoked) {
      // The mirror caps every entry at the access-token horizon: the session's own expiry is not needed.
      revocations.add({ sessionId, revokedAt: at, expiresAt: Number.MAX_SAFE_INTEGER });
      events.record({
        type: 'session.revoked',
        corpId,
        userId,
        sessionId,
        reason: revocationEventReason('admin'),
        client,
      });
    }
    return revoked;
  }
}
