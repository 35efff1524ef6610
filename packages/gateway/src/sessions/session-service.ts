/**
 * The session lifecycle: a `wx.qy.login` code becomes an employee and the app's own session; refresh tokens
 * rotate with reuse detection; logout and revocation take effect at once through the revocation mirror. A client
 * that lost an answer can ask again: a login's answer is kept briefly for a retry of the same request from the same
 * client, and a refresh's for a repeat of the token it replaced (see docs/security-model.md, "Retries").
 */
import { WecomVisibleRangeError } from '@wecom-auth/api';
import {
  type MiniProgramDisclosure,
  openMiniProgramDisclosure,
  rawDataMatchesUserInfo,
  verifyRawDataSignature,
  WatermarkError,
  WecomCryptoError,
} from '@wecom-auth/crypto';
import type { LoginRetryStore, RevokeReason, SessionRecord, SessionStore } from '@wecom-auth/store';
import type { Employee } from '../employees/employee.js';
import {
  absentEmployeeMessage,
  inactiveEmployeeMessage,
  isDepartedEmployee,
} from '../employees/employee-absence.js';
import type { EmployeeDirectory } from '../employees/employee-directory.js';
import { type DecryptAnswer, judgeDisclosure } from '../employees/relayed-disclosure.js';
import { GatewayError } from '../gateway-error.js';
import {
  type ClientContext,
  noSecurityEvents,
  revocationEventReason,
  type SecurityEvents,
} from '../security-events/security-event.js';
import type { Tenants } from '../tenants/tenants.js';
import type { DataSealer } from './data-sealer.js';
import { inProcessAnswers, loginRetryKey, openAnswer, sealAnswer } from './kept-answer.js';
import { randomToken } from './random-pool.js';
import { hashRefreshToken, newRefreshToken, refreshTokenSessionId } from './refresh-token.js';
import type { RevocationMirror } from './revocation-mirror.js';
import { newSessionId } from './session-id.js';
import type { AccessTokenClaims, TokenIssuer } from './token-issuer.js';
import { toGatewayError } from './wecom-failure.js';

export interface IssuedSession {
  readonly accessToken: string;
  readonly tokenType: 'Bearer';
  readonly expiresIn: number;
  readonly refreshToken: string;
  readonly refreshExpiresIn: number;
  readonly employee: Employee;
}

/** How a login ended, for the logins metric. `retry_answered`: a retry was given the session of its first try. */
export type LoginOutcome =
  | 'success'
  | 'retry_answered'
  | 'code_invalid'
  | 'corp_unknown'
  | 'corp_mismatch'
  | 'not_a_member'
  | 'corp_not_authorized'
  | 'employee_inactive'
  | 'error';

/** What a login asks for: the `wx.qy.login` code and, when the client knows it, the corp to exchange it with. */
export interface LoginRequest {
  readonly code: string;
  /** A corp this gateway serves; the default corp when absent. */
  readonly corpId?: string | undefined;
  /**
   * Who sent it. With a client, the answer is kept for a retry of the same request from the same client; without
   * one, nothing is kept (only submissions in flight share an exchange).
   */
  readonly client?: ClientContext | undefined;
}

export interface SessionServiceOptions {
  /** The tenants: a login's code is exchanged, and an access token admitted, by the tenant source. */
  readonly corps: Pick<Tenants, 'defaultCorpId' | 'has' | 'exchangeCode' | 'admits' | 'metricLabel'>;
  readonly miniProgramAppId: string;
  readonly directory: EmployeeDirectory;
  readonly sessions: SessionStore;
  /** Where login answers are kept for a retry (the store's `loginRetries`). */
  readonly loginRetries: LoginRetryStore;
  readonly issuer: TokenIssuer;
  readonly revocations: RevocationMirror;
  readonly sealer: DataSealer;
  readonly refreshTtlSeconds: number;
  /** How long a login's answer is kept for a retry of the same request, in seconds; 0 (the default) keeps none. */
  readonly loginRetryWindowSeconds?: number;
  /**
   * How long after a refresh a repeat of the token it replaced is given the same answer instead of revoking the
   * session, in seconds; 0 (the default): any repeat is a reuse.
   */
  readonly refreshReuseIntervalSeconds?: number;
  /**
   * How old (`maxAgeSeconds`) and how far ahead of `now` (`maxFutureSkewSeconds`) the watermark of data sent to
   * {@link SessionService.decrypt} may be; `@wecom-auth/crypto`'s defaults (300 s, 60 s) when absent.
   */
  readonly disclosureWindow?: { readonly maxAgeSeconds: number; readonly maxFutureSkewSeconds: number };
  readonly now: () => number;
  /** Observes each login's outcome with the corp it was for (a served corp, or `other`). */
  readonly onLogin: (outcome: LoginOutcome, corpId: string) => void;
  /** Where logins, refreshes, reuses and revocations are reported; nowhere when absent. */
  readonly events?: SecurityEvents;
}

/** `corpId` when the tenants serve it; undefined for a corp a client made up (or none at all). */
function servedCorpOf(corps: Pick<Tenants, 'has'>, corpId: string | undefined): string | undefined {
  return corpId !== undefined && corps.has(corpId) ? corpId : undefined;
}

/**
 * How long a login holds its retry key while it exchanges the code: longer than an exchange takes (two WeCom calls
 * with their retries), so a retry arriving meanwhile waits for its answer rather than spending the code again.
 */
const LOGIN_CLAIM_MS = 20_000;
/** How often a retry waiting for a login under way asks for its answer. */
const LOGIN_CLAIM_POLL_MS = 50;

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

const loginOutcomes: Readonly<Record<string, LoginOutcome>> = {
  code_invalid: 'code_invalid',
  corp_unknown: 'corp_unknown',
  corp_mismatch: 'corp_mismatch',
  not_a_member: 'not_a_member',
  corp_not_authorized: 'corp_not_authorized',
  employee_inactive: 'employee_inactive',
};

export class SessionService {
  readonly #options: SessionServiceOptions;
  /**
   * Logins under way by code (and client, when known): a double tap or a retry of the same request shares the first
   * exchange.
   */
  readonly #loginsInFlight = new Map<string, Promise<IssuedSession>>();
  readonly #loginRetryWindowMs: number;
  readonly #refreshReuseIntervalMs: number;

  constructor(options: SessionServiceOptions) {
    this.#options = options;
    this.#loginRetryWindowMs = (options.loginRetryWindowSeconds ?? 0) * 1000;
    this.#refreshReuseIntervalMs = (options.refreshReuseIntervalSeconds ?? 0) * 1000;
  }

  /**
   * Exchanges a `wx.qy.login` code for a session of the employee WeCom names. The code is exchanged with the token of
   * the corp the request names (or the default corp); when WeCom answers that the user belongs to another corp this
   * gateway serves, the answer is `409 corp_mismatch` with that corp (WeCom's multi-corp rule: the code is used up,
   * and a new one must be exchanged with that corp's token). A corp not served is `403 not_a_member`.
   *
   * A successful login of a request with a `client` is kept (sealed) for the retry window: the same request from the
   * same client within it is given the same session once more, on any instance sharing the store, instead of
   * `401 code_invalid` for a code WeCom will not take twice.
   */
  login(request: LoginRequest): Promise<IssuedSession> {
    const retryKey =
      request.client && this.#loginRetryWindowMs > 0
        ? loginRetryKey(request.code, request.corpId, {
            address: request.client.clientIp,
            userAgent: request.client.userAgent ?? '',
          })
        : undefined;
    // Without a client, the code alone is the key: WeCom issues it once, whichever corp it is then presented for.
    const flightKey = retryKey === undefined ? `code:${request.code}` : `retry:${retryKey}`;
    let pending = this.#loginsInFlight.get(flightKey);
    if (!pending) {
      pending = (
        retryKey === undefined ? this.#login(request) : this.#loginOrRetry(request, retryKey)
      ).finally(() => this.#loginsInFlight.delete(flightKey));
      this.#loginsInFlight.set(flightKey, pending);
    }
    return pending;
  }

  /**
   * A login whose answer is kept under `key`: the kept answer when there is one, else the exchange (waiting first for
   * one under way elsewhere with the same key), whose answer is then kept for the window.
   */
  async #loginOrRetry(request: LoginRequest, key: string): Promise<IssuedSession> {
    const { loginRetries, sealer, now, onLogin, corps } = this.#options;
    const answerSealer = loginRetries.keepsInProcess ? inProcessAnswers : sealer;
    const holder = randomToken(12);
    // Bounded even on a clock that stands still (tests): after this many polls the claim has expired anyway.
    const maxPolls = Math.ceil(LOGIN_CLAIM_MS / LOGIN_CLAIM_POLL_MS);
    for (let poll = 0; poll <= maxPolls; poll += 1) {
      const claim = await loginRetries.claim(key, holder, LOGIN_CLAIM_MS).catch((error: unknown) => {
        throw toGatewayError(error);
      });
      if (claim.state === 'pending') {
        await sleep(LOGIN_CLAIM_POLL_MS);
        continue;
      }
      if (claim.state === 'answered') {
        const kept = openAnswer(answerSealer, 'login_answer', key, claim.answer, now());
        const session = kept && (await this.#currentSession(kept.sessionId, kept.issued.refreshToken));
        if (kept && session) {
          onLogin('retry_answered', corps.metricLabel(kept.issued.employee.corpId));
          return this.#answerAgain(kept.issued, session);
        }
        // Spent meanwhile (refreshed, logged out): the code is WeCom's to judge again, which refuses it.
        continue;
      }
      let issued: IssuedSession;
      let sessionId: string;
      try {
        ({ issued, sessionId } = await this.#loginWithSessionId(request));
      } catch (error) {
        await loginRetries.release(key, holder).catch(() => undefined);
        throw error;
      }
      const answer = sealAnswer(answerSealer, 'login_answer', key, { issued, sessionId, issuedAt: now() });
      // The session exists and is answered either way: a store that fails here only costs a lost answer its retry.
      await loginRetries.fulfil(key, holder, answer, this.#loginRetryWindowMs).catch(() => false);
      return issued;
    }
    return this.#login(request);
  }

  /** The session, if it still holds `refreshToken` and is live (not refreshed, revoked, expired or dropped since). */
  async #currentSession(sessionId: string, refreshToken: string): Promise<SessionRecord | undefined> {
    const session = await this.#options.sessions.get(sessionId).catch((error: unknown) => {
      throw toGatewayError(error);
    });
    const current =
      session !== undefined &&
      session.revokedAt === undefined &&
      session.expiresAt > this.#options.now() &&
      session.refreshTokenHash === hashRefreshToken(refreshToken);
    return current ? session : undefined;
  }

  async #login(request: LoginRequest): Promise<IssuedSession> {
    return (await this.#loginWithSessionId(request)).issued;
  }

  async #loginWithSessionId(request: LoginRequest): Promise<{ issued: IssuedSession; sessionId: string }> {
    const { corps, onLogin } = this.#options;
    // Metric labels stay a closed set: the tenant source names them, whatever a client sends.
    const label = corps.metricLabel(request.corpId ?? corps.defaultCorpId ?? 'other');
    // The employee, once WeCom named one of a served corp: a refused login of a known employee says whose it was.
    const attempt: { corpId?: string; userId?: string } = {};
    try {
      const result = await this.#exchange(request, attempt);
      onLogin('success', corps.metricLabel(result.issued.employee.corpId));
      return result;
    } catch (error) {
      const mapped = toGatewayError(error);
      onLogin((mapped instanceof GatewayError && loginOutcomes[mapped.code]) || 'error', label);
      this.#events.record({
        type: 'login.refused',
        // The corp WeCom named, else the one asked for when it is served: never what a client made up.
        corpId: attempt.corpId ?? servedCorpOf(corps, request.corpId ?? corps.defaultCorpId),
        userId: attempt.userId,
        reason: mapped instanceof GatewayError ? mapped.code : 'internal_error',
        client: request.client,
      });
      throw mapped;
    }
  }

  get #events(): SecurityEvents {
    return this.#options.events ?? noSecurityEvents;
  }

  async #exchange(
    { code, corpId: requestedCorpId, client }: LoginRequest,
    attempt: { corpId?: string; userId?: string },
  ): Promise<{ issued: IssuedSession; sessionId: string }> {
    const { corps, directory, sessions, sealer, now } = this.#options;
    // The tenant source exchanges the code and refuses users of corps it does not serve: their userid is then an
    // encrypted id of another corp's member, never stored, never answered.
    const attested = await corps.exchangeCode(code, requestedCorpId);
    const { corpId } = attested;
    attempt.corpId = corpId;
    attempt.userId = attested.userId;
    const employee = await directory.get(corpId, attested.userId).catch((error: unknown) => {
      if (error instanceof WecomVisibleRangeError) {
        // 60111 is WeCom's answer for a member who left: an inactive employee, not a stranger to the corp.
        throw new GatewayError(
          isDepartedEmployee(error) ? 'employee_inactive' : 'not_a_member',
          absentEmployeeMessage(error),
          { wecom: { errcode: error.errcode, errmsg: error.errmsg } },
        );
      }
      throw error;
    });
    if (employee.status !== 'active') {
      throw new GatewayError('employee_inactive', inactiveEmployeeMessage(employee.status));
    }
    const at = now();
    const id = newSessionId(at);
    const refreshToken = newRefreshToken(at, id);
    const record: SessionRecord = {
      id,
      corpId,
      userId: employee.userId,
      refreshTokenHash: hashRefreshToken(refreshToken),
      sessionKeyCiphertext: sealer.seal(attested.sessionKey, 'session_key'),
      createdAt: at,
      refreshedAt: at,
      expiresAt: at + this.#options.refreshTtlSeconds * 1000,
      ...(client?.userAgent === undefined ? {} : { userAgent: client.userAgent }),
      ...(client === undefined ? {} : { clientIp: client.clientIp }),
    };
    // A third-party app's user has an open_userid beside the userid: what WeCom attested, kept with the employee.
    const answered =
      attested.openUserId === undefined || employee.openUserId !== undefined
        ? employee
        : { ...employee, openUserId: attested.openUserId };
    // The token is signed while the session is written and synced (on the thread pool). It is handed out only once
    // the session is stored.
    const [, issued] = await Promise.all([
      sessions.create(record),
      this.#issue(record, refreshToken, answered),
    ]);
    this.#events.record({
      type: 'login.succeeded',
      corpId,
      userId: employee.userId,
      sessionId: record.id,
      client,
    });
    return { issued, sessionId: record.id };
  }

  async #issue(record: SessionRecord, refreshToken: string, employee: Employee): Promise<IssuedSession> {
    const access = await this.#options.issuer.sign({
      userId: record.userId,
      corpId: record.corpId,
      sessionId: record.id,
    });
    return {
      accessToken: access.token,
      tokenType: 'Bearer',
      expiresIn: access.expiresIn,
      refreshToken,
      refreshExpiresIn: this.#options.refreshTtlSeconds,
      employee,
    };
  }

  /**
   * Rotates a refresh token. A token used a second time revokes its whole session (it was likely stolen), except
   * the token the latest refresh replaced within the reuse interval: that repeat (two tabs at once, a retry after a
   * lost answer) is given the latest refresh's answer again, on any instance sharing the store.
   */
  async refresh(refreshToken: string, client?: ClientContext): Promise<IssuedSession> {
    const { sessions, now, revocations, directory, sealer, corps } = this.#options;
    const presentedHash = hashRefreshToken(refreshToken);
    // The session the token names, to spare the store a lookup by hash: a hint that cannot change its answer.
    const sessionId = refreshTokenSessionId(refreshToken);
    const hint = sessionId === undefined ? undefined : { sessionId };
    // The employee is read before the rotation commits, because nothing may fail after it: a client answered 503
    // once its token was rotated never learns the new one, and its retry with the old one is taken for a stolen
    // token's reuse, which revokes the session.
    const known = await sessions.findByRefreshHash(presentedHash, hint).catch((error: unknown) => {
      throw toGatewayError(error);
    });
    // WeCom no longer showing the employee to this app (60011/60111/50002: deleted, or out of its visible range) ends
    // the session as the leaver rule does: when the callback is down, nothing else ever would.
    const employeeOf = (session: SessionRecord): Promise<Employee> =>
      directory.get(session.corpId, session.userId).catch(async (error: unknown) => {
        if (!(error instanceof WecomVisibleRangeError)) throw toGatewayError(error);
        await this.revoke(session.id, 'employee_left', client).catch((revokeError: unknown) => {
          throw toGatewayError(revokeError);
        });
        throw new GatewayError('employee_inactive', absentEmployeeMessage(error), {
          wecom: { errcode: error.errcode, errmsg: error.errmsg },
        });
      });
    if (
      known &&
      known.revokedAt === undefined &&
      !corps.admits(known.corpId, Math.floor(known.createdAt / 1000))
    ) {
      // The corp uninstalled the app (or was removed): its sessions end, as a leaver's do.
      await this.revoke(known.id, 'corp_uninstalled').catch((error: unknown) => {
        throw toGatewayError(error);
      });
      throw new GatewayError(
        'session_revoked',
        "This session's company is no longer served (the app was uninstalled); log in again.",
      );
    }
    const employeeBefore = known && known.revokedAt === undefined ? await employeeOf(known) : undefined;
    const at = now();
    // No session knows the presented token when `known` is undefined: the rotation below answers `unknown`, and this
    // token, named after no session, is never handed out.
    const nextToken = newRefreshToken(at, known?.id ?? '');
    // The answer is made before the rotation commits too, and kept with it for a repeat of the presented token within
    // the reuse interval, so that every repeat gets the same answer, whichever instance the winner ran on.
    const prepared =
      known && employeeBefore?.status === 'active'
        ? await this.#issue(known, nextToken, employeeBefore)
        : undefined;
    const repeat =
      known && prepared && this.#refreshReuseIntervalMs > 0
        ? {
            answer: sealAnswer(sealer, 'refresh_answer', presentedHash, {
              issued: prepared,
              sessionId: known.id,
              issuedAt: at,
            }),
            until: at + this.#refreshReuseIntervalMs,
          }
        : undefined;
    const result = await sessions
      .rotate(
        presentedHash,
        {
          refreshTokenHash: hashRefreshToken(nextToken),
          refreshedAt: at,
          expiresAt: at + this.#options.refreshTtlSeconds * 1000,
          ...(repeat ? { repeat } : {}),
        },
        hint,
      )
      .catch((error: unknown) => {
        throw toGatewayError(error);
      });
    switch (result.outcome) {
      case 'repeated': {
        const kept = openAnswer(sealer, 'refresh_answer', presentedHash, result.answer, now());
        // Sealed with another data key (instances configured apart): the answer is lost, the session is not.
        if (!kept)
          throw new GatewayError('refresh_token_invalid', 'The refresh token is not valid; log in again.');
        return this.#answerAgain(kept.issued, result.session);
      }
      case 'unknown':
        throw new GatewayError('refresh_token_invalid', 'The refresh token is not valid; log in again.');
      case 'expired':
        throw new GatewayError('refresh_token_expired', 'The session has expired; log in again.');
      case 'reused':
        revocations.add({ sessionId: result.session.id, revokedAt: at, expiresAt: result.session.expiresAt });
        this.#events.record({
          type: 'session.reuse_detected',
          corpId: result.session.corpId,
          userId: result.session.userId,
          sessionId: result.session.id,
          client,
        });
        throw new GatewayError(
          'session_revoked',
          'This refresh token was already used, so the session was revoked to protect the account; log in again.',
        );
      case 'revoked':
        throw new GatewayError('session_revoked', 'The session was revoked; log in again.');
      case 'rotated':
        break;
    }
    const refreshed = (): void =>
      this.#events.record({
        type: 'session.refreshed',
        corpId: result.session.corpId,
        userId: result.session.userId,
        sessionId: result.session.id,
        client,
      });
    // A rename between the two reads makes the prepared answer name the old userid: made again for the new one.
    if (prepared && known?.userId === result.session.userId) {
      refreshed();
      return prepared;
    }
    // Read again only if the employee was renamed between the two reads.
    const employee =
      employeeBefore?.userId === result.session.userId ? employeeBefore : await employeeOf(result.session);
    if (employee.status !== 'active') {
      await this.revoke(
        result.session.id,
        employee.status === 'left' ? 'employee_left' : 'employee_disabled',
        client,
      );
      throw new GatewayError('employee_inactive', inactiveEmployeeMessage(employee.status));
    }
    refreshed();
    return this.#issue(result.session, nextToken, employee);
  }

  /**
   * A kept answer handed out again: as kept while its access token lives, else (a window longer than the access
   * token's lifetime) with a new access token for the same session and refresh token.
   */
  async #answerAgain(issued: IssuedSession, session: SessionRecord): Promise<IssuedSession> {
    if (issued.expiresIn > 0) return issued;
    const access = await this.#issue(session, issued.refreshToken, issued.employee);
    return { ...access, refreshExpiresIn: issued.refreshExpiresIn };
  }

  /** Revokes one session; false when it does not exist or was revoked already. */
  async revoke(sessionId: string, reason: RevokeReason, client?: ClientContext): Promise<boolean> {
    const at = this.#options.now();
    const session = await this.#options.sessions.get(sessionId);
    const revoked = await this.#options.sessions.revoke(sessionId, reason, at);
    // Effective here at once; other instances learn it from the store's feed.
    this.#options.revocations.add({
      sessionId,
      revokedAt: at,
      expiresAt: session?.expiresAt ?? at + 86_400_000,
    });
    if (revoked && session) {
      this.#events.record({
        type: 'session.revoked',
        corpId: session.corpId,
        userId: session.userId,
        sessionId,
        reason: revocationEventReason(reason),
        client,
      });
    }
    return revoked;
  }

  /** The claims of a valid, unrevoked access token (the token itself, without its `Bearer ` prefix). */
  async verify(token: string): Promise<AccessTokenClaims> {
    const cached = this.verifyCached(token);
    if (cached) return cached;
    return this.#unrevoked(await this.#options.issuer.verify(token));
  }

  /**
   * {@link verify} without a promise, for tokens already seen: the hot path of `/v1/verify`. Undefined when the
   * token's signature has not been checked yet (then call {@link verify}).
   */
  verifyCached(token: string): AccessTokenClaims | undefined {
    const claims = this.#options.issuer.verifyCached(token);
    return claims && this.#unrevoked(claims);
  }

  #unrevoked(claims: AccessTokenClaims): AccessTokenClaims {
    if (!this.#options.revocations.ready) {
      throw new GatewayError(
        'store_unavailable',
        'Revocations are being resynchronised; try again shortly.',
        {
          retryAfterSeconds: 1,
        },
      );
    }
    if (this.#options.revocations.isRevoked(claims.sessionId)) {
      throw new GatewayError('session_revoked', 'The session was revoked; log in again.');
    }
    if (!this.#options.corps.admits(claims.corpId, claims.issuedAt)) {
      throw new GatewayError(
        'session_revoked',
        "This session's company is no longer served (the app was uninstalled); log in again.",
      );
    }
    return claims;
  }

  /**
   * Decrypts `wx.qy.getMobile` / `getEmail` / `getEnterpriseUserInfo` data with this session's session_key and
   * judges it against what WeCom attests (relayed-disclosure.ts): a contradiction is `403 disclosure_mismatch`; a
   * mobile or email `user/get` does not give is kept for this session only, marked as relayed by the client.
   * Unreadable data of any kind (base64, padding, UTF-8, JSON, keys, a missing watermark) is the one
   * `decrypt_failed`, so that the answers cannot serve as a padding oracle.
   */
  async decrypt(
    claims: AccessTokenClaims,
    input: {
      encryptedData: string;
      iv: string;
      rawData?: string | undefined;
      signature?: string | undefined;
    },
  ): Promise<DecryptAnswer> {
    const { sessions, sealer, directory, disclosureWindow, now } = this.#options;
    const session = await sessions.get(claims.sessionId).catch((error: unknown) => {
      throw toGatewayError(error);
    });
    if (!session || session.revokedAt !== undefined) {
      throw new GatewayError('session_revoked', 'The session was revoked; log in again.');
    }
    let sessionKey: string;
    try {
      sessionKey = sealer.open(session.sessionKeyCiphertext, 'session_key');
    } catch {
      // Sealed under a data key that is no longer configured: the session can never decrypt again, so it ends, and the
      // SDK's next login (which it makes by itself on session_revoked) gets a session that can.
      await this.revoke(session.id, 'data_key_lost').catch((error: unknown) => {
        throw toGatewayError(error);
      });
      throw new GatewayError(
        'session_revoked',
        "This session's data was sealed under a data key that is no longer configured, so it ended; log in again.",
      );
    }
    let disclosure: MiniProgramDisclosure;
    try {
      disclosure = openMiniProgramDisclosure({
        sessionKey,
        encryptedData: input.encryptedData,
        iv: input.iv,
        appId: this.#options.miniProgramAppId,
        ...disclosureWindow,
        now: Math.floor(now() / 1000),
      });
    } catch (error) {
      if (error instanceof WatermarkError && error.code === 'watermark_mismatch') {
        throw new GatewayError(
          'watermark_mismatch',
          'The data was encrypted for another mini program (watermark.appid differs from WECOM_MINIPROGRAM_APPID).',
        );
      }
      if (error instanceof WatermarkError) {
        throw new GatewayError(
          'watermark_expired',
          'The data is too old, or dated ahead of this server: ask WeCom for it again and send it at once.',
        );
      }
      if (error instanceof WecomCryptoError) {
        throw new GatewayError(
          'decrypt_failed',
          'The data could not be decrypted with this session: call wx.qy.login again before wx.qy.getMobile.',
        );
      }
      throw error;
    }
    if (input.rawData !== undefined || input.signature !== undefined) {
      const { rawData = '', signature = '' } = input;
      if (
        !verifyRawDataSignature({ rawData, signature, sessionKey }) ||
        disclosure.kind !== 'enterprise_user_info' ||
        !rawDataMatchesUserInfo(rawData, disclosure)
      ) {
        throw new GatewayError(
          'signature_invalid',
          'rawData and signature do not verify with this session, or do not match the decrypted user info.',
        );
      }
    }
    const profile = await directory.get(claims.corpId, claims.userId).catch((error: unknown) => {
      throw toGatewayError(error);
    });
    const verdict = judgeDisclosure(disclosure, { corpId: claims.corpId, userId: claims.userId, profile });
    if (verdict.keep) {
      await directory
        .addDisclosed(
          {
            corpId: claims.corpId,
            userId: claims.userId,
            sessionId: claims.sessionId,
            expiresAt: session.expiresAt,
          },
          verdict.keep,
        )
        .catch((error: unknown) => {
          throw toGatewayError(error);
        });
    }
    return verdict.answer;
  }
}
