/**
 * A real gateway in this process against a real sandbox over HTTP, for the reliability files: every log line goes to
 * the secret scan's evidence (at debug level, the most verbose), every response body the test reads is recorded, and
 * the gateway runs on a clock the test can move forward (WeCom token lifetimes, the gettoken failure backoff, JWT
 * expiry all follow it) without waiting in real time. A `manual` clock stands still between moves, so whether a
 * backoff has passed depends on the test alone, never on how fast the machine is.
 *
 * As the demo third-party app (`app: 'suite'`) it also records the suite's secrets: its secret, the instruction
 * callback's Token and EncodingAESKey, and (through {@link EvidenceGateway.recordSuiteSecrets}) the tickets, suite
 * tokens, permanent codes (clear and sealed) and corp tokens in play.
 */
import type { WecomClient, WecomSuiteClient } from '@wecom-auth/api';
import { createDataSealer, deriveDataKey } from '@wecom-auth/gateway';
import { DEMO_APP, DEMO_CORP_ID, demoSuite, type SandboxOptions } from '@wecom-auth/sandbox';
import { type GatewayUnderTest, startGatewayUnderTest } from '@wecom-auth/testing';
import { decodeJwt } from 'jose';
import { evidenceLogDestination, recordEvidence, recordSecret } from './evidence.js';

/** What the tests read of a suite gateway's tenants (the gateway keeps the type to itself). */
export interface SuiteTenantsView {
  readonly kind: 'suite';
  readonly suite: WecomSuiteClient;
  has(corpId: string): boolean;
  clientFor(corpId: string): WecomClient;
  /** The permanent code of an installed corp, opened from its sealed form. */
  permanentCodeOf(corpId: string): string;
}

export interface EvidenceGateway extends Omit<GatewayUnderTest, 'login'> {
  /**
   * Every log line the gateway wrote (also in the evidence), to wait for what it logs; empty with `keepLogLines:
   * false`.
   */
  readonly logLines: string[];
  /** Logs `userid` in (201 expected) and records the session's secrets. */
  login(userid: string, corpid?: string): Promise<{ accessToken: string; refreshToken: string }>;
  /** Records the WeCom access_token in use, and the session_key and tokens of a session, for the scan. */
  recordSessionSecrets(session: { accessToken: string; refreshToken?: string }): Promise<void>;
  /**
   * Suite mode: records the stored ticket, the suite token and, for every installed corp, its permanent code (clear
   * and sealed) and its corp token, whichever the gateway holds now (it fetches none to do so).
   */
  recordSuiteSecrets(): Promise<void>;
  /** Suite mode: the tenants, to reach the suite client and the corps' clients. */
  suiteTenants(): SuiteTenantsView;
}

/**
 * @param source names this gateway's evidence (one log file per source).
 * @param env overrides of the demo environment (the WeCom timeout, the login limit…).
 */
export async function startEvidenceGateway(
  source: string,
  options: {
    env?: Record<string, string>;
    sandbox?: SandboxOptions;
    clock?: 'real' | 'manual';
    app?: 'self-built' | 'suite';
    callbackRetryIntervalMs?: number;
    /**
     * Keep the log lines in memory (default true). A test that measures its own process's heap says false: the
     * lines, kept for the whole run, would be counted against the gateway.
     */
    keepLogLines?: boolean;
  } = {},
): Promise<EvidenceGateway> {
  const { keepLogLines = true, ...gatewayOptions } = options;
  const logLines: string[] = [];
  const logs = evidenceLogDestination(`${source}-gateway`);
  const underTest = await startGatewayUnderTest({
    ...gatewayOptions,
    logDestination: {
      write(line) {
        if (keepLogLines) logLines.push(line);
        logs.write(line);
      },
    },
    onResponse: (text) => recordEvidence('response', source, text),
  });
  const { gateway } = underTest;
  const asSuite = options.app === 'suite';
  const secret = asSuite ? demoSuite.suiteSecret : DEMO_APP.secret;
  if (asSuite) {
    recordSecret('suite_secret', demoSuite.suiteSecret);
    recordSecret('suite_callback_token', demoSuite.token);
    recordSecret('suite_callback_aes_key', demoSuite.encodingAESKey);
  } else recordSecret('corpsecret', DEMO_APP.secret);
  // The same key the gateway derives from the secret (no WECOM_AUTH_DATA_KEY is set), to read sealed values back.
  const sealer = createDataSealer(deriveDataKey({ configuredKey: undefined, secret }));

  const suiteTenants = (): SuiteTenantsView => {
    const tenants = gateway.services.corps as unknown as SuiteTenantsView;
    if (tenants.kind !== 'suite') throw new Error(`${source} is not a third-party app`);
    return tenants;
  };

  const recordCorpToken = async (corpId: string): Promise<void> => {
    if (!gateway.services.corps.has(corpId)) return;
    const client = gateway.services.corps.clientFor(corpId);
    if (client.status().fresh) recordSecret('wecom_access_token', await client.accessToken.getToken());
  };

  const recordSuiteSecrets: EvidenceGateway['recordSuiteSecrets'] = async () => {
    const { suites } = gateway.services.store;
    recordSecret('suite_ticket', (await suites.ticket(demoSuite.suiteId))?.ticket);
    const { suite } = suiteTenants();
    if (suite.status().fresh) recordSecret('suite_access_token', await suite.suiteToken.getToken());
    for (const install of await suites.listInstalls(demoSuite.suiteId, { limit: 1000 })) {
      recordSecret('permanent_code_sealed', install.permanentCodeCiphertext);
      recordSecret('permanent_code', sealer.open(install.permanentCodeCiphertext, 'permanent_code'));
      await recordCorpToken(install.corpId);
    }
  };

  const recordSessionSecrets: EvidenceGateway['recordSessionSecrets'] = async (session) => {
    recordSecret('access_token', session.accessToken, 'not-in-logs');
    recordSecret('refresh_token', session.refreshToken, 'not-in-logs');
    const { sid, corp } = decodeJwt(session.accessToken) as { sid?: string; corp?: string };
    const record = sid === undefined ? undefined : await gateway.services.store.sessions.get(sid);
    if (record) recordSecret('session_key', sealer.open(record.sessionKeyCiphertext, 'session_key'));
    await recordCorpToken(corp ?? DEMO_CORP_ID);
    if (asSuite) await recordSuiteSecrets();
  };

  return {
    ...underTest,
    logLines,
    async login(userid, corpid) {
      const answer = await underTest.call('POST', '/v1/sessions', {
        body: { code: underTest.code(userid, corpid) },
      });
      if (answer.status !== 201 || !answer.body) {
        throw new Error(`login of ${userid} failed: ${answer.status} ${answer.text}`);
      }
      const session = {
        accessToken: String(answer.body.accessToken),
        refreshToken: String(answer.body.refreshToken),
      };
      await recordSessionSecrets(session);
      return session;
    },
    recordSessionSecrets,
    recordSuiteSecrets,
    suiteTenants,
  };
}
