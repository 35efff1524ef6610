/**
 * What the clients of a gateway under fault were told: every session answered 201, every refresh and logout that
 * was answered, and the sessions whose last request got no definite answer (a cut connection, a 503), whose state
 * only the store knows. After the fault, the gateway must agree with this ledger: nothing answered is lost.
 *
 * Every token handed out is recorded as a secret that must never appear in a log line.
 */
import { decodeJwt } from 'jose';
import { recordSecret } from './evidence.js';

export interface TrackedSession {
  /** The session id (the access token's `sid`). */
  readonly id: string;
  readonly userId: string;
  /** Every access token issued for the session, oldest first. */
  readonly accessTokens: string[];
  /** Every refresh token issued for the session, oldest first; the last is the current one. */
  readonly refreshTokens: string[];
  /** `revoked` once a logout was answered 204 or a reused refresh token was refused. */
  state: 'active' | 'revoked';
  /** A refresh or logout was sent but not definitely answered: rotated or revoked, or not. */
  uncertain: boolean;
  /** Which request that was. */
  unanswered: 'refresh' | 'logout' | undefined;
  /** A refresh of it was answered since the last audit: the rotated-away token must now be refused. */
  rotatedSinceAudit: boolean;
  /** A request for it is in flight: the load never sends two at once, as a well-behaved client would not. */
  busy: boolean;
}

interface IssuedPair {
  readonly accessToken: string;
  readonly refreshToken: string;
}

function issuedPair(body: Record<string, unknown> | undefined): IssuedPair {
  const accessToken = body?.accessToken;
  const refreshToken = body?.refreshToken;
  if (typeof accessToken !== 'string' || typeof refreshToken !== 'string') {
    throw new Error(`not a session answer: ${JSON.stringify(body)}`);
  }
  // Handed to the client by design, so allowed in responses; never in a log line.
  recordSecret('access_token', accessToken, 'not-in-logs');
  recordSecret('refresh_token', refreshToken, 'not-in-logs');
  return { accessToken, refreshToken };
}

export class SessionLedger {
  readonly #sessions = new Map<string, TrackedSession>();

  /** Records a login answered 201; returns the new session. */
  opened(body: Record<string, unknown> | undefined): TrackedSession {
    const { accessToken, refreshToken } = issuedPair(body);
    const { sid, sub } = decodeJwt(accessToken);
    if (typeof sid !== 'string' || typeof sub !== 'string')
      throw new Error('an access token without sid/sub');
    if (this.#sessions.has(sid)) throw new Error(`session ${sid} was answered twice`);
    const session: TrackedSession = {
      id: sid,
      userId: sub,
      accessTokens: [accessToken],
      refreshTokens: [refreshToken],
      state: 'active',
      uncertain: false,
      unanswered: undefined,
      rotatedSinceAudit: false,
      busy: false,
    };
    this.#sessions.set(sid, session);
    return session;
  }

  /** Records a refresh answered 200: the presented refresh token is rotated away. */
  rotated(session: TrackedSession, body: Record<string, unknown> | undefined): void {
    const { accessToken, refreshToken } = issuedPair(body);
    session.accessTokens.push(accessToken);
    session.refreshTokens.push(refreshToken);
    session.uncertain = false;
    session.unanswered = undefined;
    session.rotatedSinceAudit = true;
  }

  /** Records a definite revocation: a logout answered 204, or a refresh answered 401 `session_revoked`. */
  revoked(session: TrackedSession): void {
    session.state = 'revoked';
    session.uncertain = false;
    session.unanswered = undefined;
  }

  /** Records a refresh or logout without a definite answer. */
  unsettled(session: TrackedSession, request: 'refresh' | 'logout'): void {
    session.uncertain = true;
    session.unanswered = request;
  }

  /** An active session with a definite state and nothing in flight, for the load to refresh, verify or log out. */
  pickIdle(random: () => number): TrackedSession | undefined {
    const idle = [...this.#sessions.values()].filter(
      (session) => session.state === 'active' && !session.uncertain && !session.busy,
    );
    return idle[Math.floor(random() * idle.length)];
  }

  all(): TrackedSession[] {
    return [...this.#sessions.values()];
  }

  /** How many sessions are in each state, for the test's progress line. */
  census(): { active: number; revoked: number; uncertain: number } {
    const sessions = this.all();
    return {
      active: sessions.filter((session) => session.state === 'active' && !session.uncertain).length,
      revoked: sessions.filter((session) => session.state === 'revoked' && !session.uncertain).length,
      uncertain: sessions.filter((session) => session.uncertain).length,
    };
  }
}
