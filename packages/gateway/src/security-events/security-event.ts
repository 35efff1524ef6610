/**
 * The facts the security event log records, one typed event per fact. An event names who and where (corp, userid,
 * session, request, client address) and why (an error code, a revocation reason), and never a token, secret, code
 * or session_key: it is read by operators and kept for months.
 */
import type { RevokeReason } from '@wecom-auth/store';

/**
 * Every type of security event, in the order the documentation lists them.
 *
 * @example
 * securityEventTypes.includes('login.refused'); // true
 */
export const securityEventTypes = [
  'login.succeeded',
  'login.refused',
  'session.refreshed',
  'session.reuse_detected',
  'session.revoked',
  'decrypt.refused',
  'callback.refused',
  'admin.denied',
] as const;

/**
 * What happened: `login.refused` carries the error code as its reason, `session.revoked` why it ended.
 *
 * @example
 * const type: SecurityEventType = 'session.reuse_detected';
 */
export type SecurityEventType = (typeof securityEventTypes)[number];

/**
 * Why a session ended, as the event log names it: the store's reasons, grouped by what an operator asks.
 *
 * @example
 * const reason: RevocationEventReason = 'leaver';
 */
export type RevocationEventReason =
  | 'logout'
  | 'leaver'
  | 'disabled'
  | 'rename'
  | 'admin'
  | 'reuse'
  | 'uninstall';

/** The store's revocation reasons (and any a later release adds) as the event log names them. */
const revocationReasons: Readonly<Record<string, RevocationEventReason>> = {
  logout: 'logout',
  employee_left: 'leaver',
  employee_disabled: 'disabled',
  employee_renamed: 'rename',
  admin: 'admin',
  refresh_token_reuse: 'reuse',
  corp_uninstalled: 'uninstall',
};

/**
 * The event reason of a store revocation reason.
 *
 * @example
 * revocationEventReason('employee_left'); // 'leaver'
 */
export function revocationEventReason(reason: RevokeReason): RevocationEventReason | string {
  return revocationReasons[reason] ?? reason;
}

/**
 * Where a request came from, as the gateway saw it: what an event and a new session remember of the client.
 *
 * @example
 * const client: ClientContext = { requestId: request.id, clientIp: request.ip, userAgent: 'wxwork/4.1' };
 */
export interface ClientContext {
  readonly requestId: string;
  /** The address the login limit counts (`TRUST_PROXY` decides whose `X-Forwarded-For` is believed). */
  readonly clientIp: string;
  /** The `User-Agent`, cut to 256 characters. */
  readonly userAgent?: string;
}

/**
 * The longest `User-Agent` kept: a header is the client's to fill, a session record is not.
 *
 * @example
 * userAgent.slice(0, USER_AGENT_MAX_LENGTH);
 */
export const USER_AGENT_MAX_LENGTH = 256;

/**
 * One fact, as the gateway reports it; the recorder stamps the time.
 *
 * @example
 * const event: SecurityEvent = { type: 'login.refused', corpId, reason: 'code_invalid', client };
 */
export interface SecurityEvent {
  readonly type: SecurityEventType;
  readonly corpId?: string | undefined;
  readonly userId?: string | undefined;
  readonly sessionId?: string | undefined;
  readonly reason?: string | undefined;
  /** The request that caused it, when one did. */
  readonly client?: ClientContext | undefined;
}

/**
 * Where the gateway's parts report security facts: the session service, the routes, the callback applier, the admin
 * API. Recording never fails and never waits: a store that is away loses the event (counted, logged), not the
 * request.
 *
 * @example
 * events.record({ type: 'session.revoked', corpId, userId, sessionId, reason: 'admin', client });
 */
export interface SecurityEvents {
  record(event: SecurityEvent): void;
}

/**
 * A {@link SecurityEvents} that records nothing: for the parts built without a log (tests, tools).
 *
 * @example
 * new SessionService({ …, events: noSecurityEvents });
 */
export const noSecurityEvents: SecurityEvents = { record() {} };
