/**
 * A real gateway in this process against a real sandbox over HTTP, for the reliability files: every log line goes to
 * the secret scan's evidence (at debug level, the most verbose), every response body the test reads is recorded, and
 * the gateway runs on a clock the test can move forward (WeCom token lifetimes, the gettoken failure backoff, JWT
 * expiry all follow it) without waiting in real time. A `manual` clock stands still between moves, so whether a
 * backoff has passed depends on the test alone, never on how fast the machine is.
 */
import { createDataSealer, deriveDataKey } from '@wecom-auth/gateway';
import { DEMO_APP, DEMO_CORP_ID, type SandboxOptions } from '@wecom-auth/sandbox';
import { type GatewayUnderTest, startGatewayUnderTest } from '@wecom-auth/testing';
import { decodeJwt } from 'jose';
import { evidenceLogDestination, recordEvidence, recordSecret } from './evidence.js';

export interface EvidenceGateway extends Omit<GatewayUnderTest, 'login'> {
  /** Logs `userid` in (201 expected) and records the session's secrets. */
  login(userid: string): Promise<{ accessToken: string; refreshToken: string }>;
  /** Records the WeCom access_token in use, and the session_key and tokens of a session, for the scan. */
  recordSessionSecrets(session: { accessToken: string; refreshToken?: string }): Promise<void>;
}

/**
 * @param source names this gateway's evidence (one log file per source).
 * @param env overrides of the demo environment (the WeCom timeout, the login limit…).
 */
export async function startEvidenceGateway(
  source: string,
  options: { env?: Record<string, string>; sandbox?: SandboxOptions; clock?: 'real' | 'manual' } = {},
): Promise<EvidenceGateway> {
  const underTest = await startGatewayUnderTest({
    ...options,
    logDestination: evidenceLogDestination(`${source}-gateway`),
    onResponse: (text) => recordEvidence('response', source, text),
  });
  const { gateway } = underTest;
  recordSecret('corpsecret', DEMO_APP.secret);
  // The same key the gateway derives from the secret (no WECOM_AUTH_DATA_KEY is set), to read session_keys back.
  const sealer = createDataSealer(deriveDataKey({ configuredKey: undefined, secret: DEMO_APP.secret }));

  const recordSessionSecrets: EvidenceGateway['recordSessionSecrets'] = async (session) => {
    recordSecret('access_token', session.accessToken, 'not-in-logs');
    recordSecret('refresh_token', session.refreshToken, 'not-in-logs');
    const { sid } = decodeJwt(session.accessToken) as { sid?: string };
    const record = sid === undefined ? undefined : await gateway.services.store.sessions.get(sid);
    if (record) recordSecret('session_key', sealer.open(record.sessionKeyCiphertext, 'session_key'));
    const status = gateway.services.corps.clientFor(DEMO_CORP_ID).status();
    if (status.fresh)
      recordSecret(
        'wecom_access_token',
        await gateway.services.corps.clientFor(DEMO_CORP_ID).accessToken.getToken(),
      );
  };

  return {
    ...underTest,
    async login(userid) {
      const body = await underTest.login(userid);
      const session = { accessToken: String(body.accessToken), refreshToken: String(body.refreshToken) };
      await recordSessionSecrets(session);
      return session;
    },
    recordSessionSecrets,
  };
}
