/**
 * The session lifecycle: a `wx.qy.login` code becomes an employee and the app's own session; refresh tokens
 * rotate with reuse detection; logout and revocation take effect at once through the revocation mirror.
 */
import { createHash, randomBytes } from 'node:crypto';
import { WecomVisibleRangeError } from '@wecom-auth/api';
import {
  type MiniProgramDisclosure,
  openMiniProgramDisclosure,
  rawDataMatchesUserInfo,
  verifyRawDataSignature,
  WatermarkError,
  WecomCryptoError,
} from '@wecom-auth/crypto';
import type { RevokeReason, SessionRecord, SessionStore } from '@wecom-auth/store';
import type { Employee } from '../employees/employee.js';
import type { EmployeeDirectory } from '../employees/employee-directory.js';
import { type DecryptAnswer, judgeDisclosure } from '../employees/relayed-disclosure.js';
import { GatewayError } from '../gateway-error.js';
import {
  type ClientContext,
  noSecurityEvents,
  revocationEventReason,
  type SecurityEvents,
} from '../security-events/security-event.js';
import type { CorpClients } from '../tenants/corp-clients.js';
import type { DataSealer } from './data-sealer.js';
import type { RevocationMirror } from './revocation-mirror.js';
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

/** How a login ended, for the logins metric. */
export type LoginOutcome =
  | 'success'
  | 'code_invalid'
  | 'corp_unknown'
  | 'corp_mismatch'
  | 'not_a_member'
  | 'employee_inactive'
  | 'error';

/** What a login asks for: the `wx.qy.login` code and, when the client knows it, the corp to exchange it with. */
export interface LoginRequest {
  readonly code: string;
  /** A corp this gateway serves; the default corp when absent. */
  readonly corpId?: string | undefined;
  /** The client asking: remembered with the session and in the security events. */
  readonly client?: ClientContext | undefined;
}

export interface SessionServiceOptions {
  /** The corps served: a login's code is exchanged with the token of the corp it names, or of the default one. */
  readonly corps: Pick<CorpClients, 'defaultCorpId' | 'has' | 'clientFor'>;
  readonly miniProgramAppId: string;
  readonly directory: EmployeeDirectory;
  readonly sessions: SessionStore;
  readonly issuer: TokenIssuer;
  readonly revocations: RevocationMirror;
  readonly sealer: DataSealer;
  readonly refreshTtlSeconds: number;
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

function newSecret(bytes: number): string {
  return randomBytes(bytes).toString('base64url');
}

/** Only this digest of a refresh token is stored. */
export function hashRefreshToken(refreshToken: string): string {
  return createHash('sha256').update(refreshToken).digest('base64url');
}

const loginOutcomes: Readonly<Record<string, LoginOutcome>> = {
  code_invalid: 'code_invalid',
  corp_unknown: 'corp_unknown',
  corp_mismatch: 'corp_mismatch',
  not_a_member: 'not_a_member',
  employee_inactive: 'employee_inactive',
};

export class SessionService {
  readonly #options: SessionServiceOptions;
  /** Logins under way by code: a double tap or a retry of the same code shares the first exchange. */
  readonly #loginsInFlight = new Map<string, Promise<IssuedSession>>();

  constructor(options: SessionServiceOptions) {
    this.#options = options;
  }

  /**
   * Exchanges a `wx.qy.login` code for a session of the employee WeCom names. The code is exchanged with the token of
   * the corp the request names (or the default corp); when WeCom answers that the user belongs to another corp this
   * gateway serves, the answer is `409 corp_mismatch` with that corp (WeCom's multi-corp rule: the code is used up,
   * and a new one must be exchanged with that corp's token). A corp not served is `403 not_a_member`.
   */
  login(request: LoginRequest): Promise<IssuedSession> {
    // The code alone is the key: WeCom issues it once, whichever corp it is then presented for.
    const { code } = request;
    let pending = this.#loginsInFlight.get(code);
    if (!pending) {
      pending = this.#login(request).finally(() => this.#loginsInFlight.delete(code));
      this.#loginsInFlight.set(code, pending);
    }
    return pending;
  }

  async #login(request: LoginRequest): Promise<IssuedSession> {
    const { corps, onLogin } = this.#options;
    const corpId = request.corpId ?? corps.defaultCorpId;
    // Metric labels stay a closed set: the served corps, and `other` for anything a client may send.
    const label = corps.has(corpId) ? corpId : 'other';
    // The employee, once WeCom named one of this corp: a refused login of a known employee says whose it was.
    const attempt: { userId?: string } = {};
    try {
      const result = await this.#exchange(request, corpId, attempt);
      onLogin('success', label);
      return result;
    } catch (error) {
      const mapped = toGatewayError(error);
      onLogin((mapped instanceof GatewayError && loginOutcomes[mapped.code]) || 'error', label);
      this.#events.record({
        type: 'login.refused',
        corpId: label === 'other' ? undefined : corpId,
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
    { code, client }: LoginRequest,
    corpId: string,
    attempt: { userId?: string },
  ): Promise<IssuedSession> {
    const { corps, directory, sessions, sealer, now } = this.#options;
    if (!corps.has(corpId)) {
      throw new GatewayError('corp_unknown', 'This gateway does not serve that corp; log in without corpId.');
    }
    const wecomSession = await corps.clientFor(corpId).miniprogram.code2Session(code);
    if (wecomSession.corpId !== corpId) {
      // The userid is then an encrypted id of another corp's member: never stored, never answered.
      if (corps.has(wecomSession.corpId)) {
        throw new GatewayError(
          'corp_mismatch',
          'This employee belongs to another corp of this group: call wx.qy.login again and send the new code with corpId.',
          { corpId: wecomSession.corpId },
        );
      }
      throw new GatewayError('not_a_member', 'This WeCom user does not belong to this company.');
    }
    attempt.userId = wecomSession.userId;
    const employee = await directory.get(corpId, wecomSession.userId).catch((error: unknown) => {
      if (error instanceof WecomVisibleRangeError) {
        throw new GatewayError('not_a_member', "This employee is outside the app's visible range.");
      }
      throw error;
    });
    if (employee.status !== 'active') {
      throw new GatewayError('employee_inactive', `This employee's WeCom account is ${employee.status}.`);
    }
    const at = now();
    const refreshToken = newSecret(32);
    const record: SessionRecord = {
      id: newSecret(16),
      corpId,
      userId: employee.userId,
      refreshTokenHash: hashRefreshToken(refreshToken),
      sessionKeyCiphertext: sealer.seal(wecomSession.sessionKey, 'session_key'),
      createdAt: at,
      refreshedAt: at,
      expiresAt: at + this.#options.refreshTtlSeconds * 1000,
      ...(client?.userAgent === undefined ? {} : { userAgent: client.userAgent }),
      ...(client === undefined ? {} : { clientIp: client.clientIp }),
    };
    // The token is signed (on the signing thread) while the session is written and synced (on the thread pool): the
    // two waits overlap. It is handed out only once the session is stored.
    const [, issued] = await Promise.all([
      sessions.create(record),
      this.#issue(record, refreshToken, employee),
    ]);
    this.#events.record({
      type: 'login.succeeded',
      corpId,
      userId: employee.userId,
      sessionId: record.id,
      client,
    });
    return issued;
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

  /** Rotates a refresh token. A token used a second time revokes its whole session (it was likely stolen). */
  async refresh(refreshToken: string, client?: ClientContext): Promise<IssuedSession> {
    const { sessions, now, revocations, directory } = this.#options;
    const presentedHash = hashRefreshToken(refreshToken);
    // The employee is read before the rotation commits, because nothing may fail after it: a client answered 503
    // once its token was rotated never learns the new one, and its retry with the old one is taken for a stolen
    // token's reuse, which revokes the session.
    const known = await sessions.findByRefreshHash(presentedHash).catch((error: unknown) => {
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
        throw new GatewayError(
          'employee_inactive',
          "This employee is no longer in this app's WeCom directory.",
        );
      });
    const employeeBefore = known && known.revokedAt === undefined ? await employeeOf(known) : undefined;
    const at = now();
    const nextToken = newSecret(32);
    const result = await sessions
      .rotate(presentedHash, {
        refreshTokenHash: hashRefreshToken(nextToken),
        refreshedAt: at,
        expiresAt: at + this.#options.refreshTtlSeconds * 1000,
      })
      .catch((error: unknown) => {
        throw toGatewayError(error);
      });
    switch (result.outcome) {
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
    // Read again only if the employee was renamed between the two reads.
    const employee =
      employeeBefore?.userId === result.session.userId ? employeeBefore : await employeeOf(result.session);
    if (employee.status !== 'active') {
      await this.revoke(
        result.session.id,
        employee.status === 'left' ? 'employee_left' : 'employee_disabled',
        client,
      );
      throw new GatewayError('employee_inactive', `This employee's WeCom account is ${employee.status}.`);
    }
    const { session } = result;
    this.#events.record({
      type: 'session.refreshed',
      corpId: session.corpId,
      userId: session.userId,
      sessionId: session.id,
      client,
    });
    return this.#issue(session, nextToken, employee);
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
      throw new GatewayError('decrypt_failed', 'This session cannot decrypt data any more; log in again.');
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
