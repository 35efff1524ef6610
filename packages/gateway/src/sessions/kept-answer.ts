/**
 * The answer of a login or a refresh, kept for a short window so that a client that lost it can ask again and be
 * given the same session: sealed with the gateway's data key (it holds an access token and a refresh token, which the
 * store must not be able to read), bound to what it answers, and dated, so that what is handed out again says how
 * long it has left.
 */
import { createHash } from 'node:crypto';
import type { DataSealer } from './data-sealer.js';
import type { IssuedSession } from './session-service.js';

/** Who sent a login: the binding of a kept login answer. */
export interface LoginClient {
  /** The client address as the gateway sees it (`request.ip`, which follows `TRUST_PROXY`). */
  readonly address: string;
  /** The `User-Agent` header; empty when none was sent. */
  readonly userAgent: string;
}

/** A kept answer, opened. */
export interface KeptAnswer {
  readonly issued: IssuedSession;
  readonly sessionId: string;
  /** When it was issued (epoch ms). */
  readonly issuedAt: number;
}

/**
 * The store key of a login's kept answer: a digest of the code, the corp asked for and the client. Only the same
 * request from the same client finds it; the store learns neither the code nor the client.
 */
export function loginRetryKey(code: string, corpId: string | undefined, client: LoginClient): string {
  return createHash('sha256')
    .update(
      JSON.stringify(['wecom-auth login retry v1', code, corpId ?? '', client.address, client.userAgent]),
    )
    .digest('base64url');
}

/**
 * The sealer of answers that never leave this process's memory (a login retry store that `keepsInProcess`): it
 * seals nothing. Sealing guards a kept answer against whoever reads the store; memory that only this process reads,
 * which holds the data key too, has no such reader. The binding to what the answer answers is still checked.
 */
export const inProcessAnswers: DataSealer = {
  seal: (plaintext) => plaintext,
  open: (kept) => kept,
};

/** Seals `answer` for `purpose`, bound to `boundTo` (the login retry key, or the replaced refresh hash). */
export function sealAnswer(
  sealer: DataSealer,
  purpose: 'login_answer' | 'refresh_answer',
  boundTo: string,
  answer: KeptAnswer,
): string {
  return sealer.seal(JSON.stringify({ boundTo, ...answer }), purpose);
}

/**
 * Opens a kept answer sealed for `purpose` and `boundTo`, with its lifetimes counted down to `now` (an `expiresIn`
 * of 0 or less: its access token has expired meanwhile); undefined when it cannot be opened or is bound to something
 * else.
 */
export function openAnswer(
  sealer: DataSealer,
  purpose: 'login_answer' | 'refresh_answer',
  boundTo: string,
  sealed: string,
  now: number,
): KeptAnswer | undefined {
  let kept: KeptAnswer & { readonly boundTo?: unknown };
  try {
    kept = JSON.parse(sealer.open(sealed, purpose)) as KeptAnswer & { readonly boundTo?: unknown };
  } catch {
    return undefined;
  }
  if (kept.boundTo !== boundTo || typeof kept.issuedAt !== 'number') return undefined;
  const elapsedSeconds = Math.max(0, Math.floor((now - kept.issuedAt) / 1000));
  return {
    issued: {
      ...kept.issued,
      expiresIn: kept.issued.expiresIn - elapsedSeconds,
      refreshExpiresIn: kept.issued.refreshExpiresIn - elapsedSeconds,
    },
    sessionId: kept.sessionId,
    issuedAt: kept.issuedAt,
  };
}
