/**
 * The suite-wide secret scan. Runs after every other reliability file (see support/last-file-sequencer.ts): it first
 * drives a day of the gateway as a third-party app (support/suite-day.ts), then searches every log line, process
 * output, response body and client error that any file recorded for every secret it was handed.
 */
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { type Evidence, type RecordedSecret, readEvidence } from './support/evidence.js';
import { SecretMatcher } from './support/secret-matcher.js';
import { driveSuiteDay, type SuiteDayReport } from './support/suite-day.js';

let evidence: Evidence;
let day: SuiteDayReport;

beforeAll(async () => {
  day = await driveSuiteDay();
  evidence = readEvidence();
}, 300_000);

/** The kinds of secret a run must have put in play, or the scan would prove nothing about them. */
const expectedKinds = [
  // A self-built app (the other files).
  'corpsecret',
  'wecom_access_token',
  'session_key',
  'refresh_token',
  'access_token',
  'login_code',
  'admin_token',
  // A third-party app.
  'suite_secret',
  'suite_callback_token',
  'suite_callback_aes_key',
  'suite_ticket',
  'suite_access_token',
  'permanent_code',
  'permanent_code_sealed',
  'auth_code',
];

describe('a day of the gateway as a third-party app', () => {
  it('went through installs, logins across corps, faults, instructions good and hostile, and an uninstall', () => {
    expect(day.logins).toBeGreaterThan(20);
    for (const status of [200, 201, 204, 401, 403, 502, 503]) expect(day.statuses).toContain(status);
    for (const code of ['wecom_unavailable', 'wecom_error', 'corp_not_authorized', 'session_revoked'])
      expect(day.errorCodes).toContain(code);
    // Answers that carry what WeCom said: a refused ticket, refused tokens, void authorisations.
    for (const errcode of [40085, 40082, 40084, 48004, 42001]) expect(day.wecomErrcodes).toContain(errcode);
    for (const answer of ['200 success', '401 callback_signature_invalid', '401 callback_expired'])
      expect(day.instructionAnswers).toContain(answer);
    expect(day.clientErrors).toBeGreaterThanOrEqual(6);
  });
});

describe('secret scan over the whole reliability suite', () => {
  it('has evidence to search: logs, responses, errors and the secrets of every kind that was in play', () => {
    // A scan over nothing proves nothing: the other files must have recorded what they saw.
    expect(evidence.logs.size).toBeGreaterThan(0);
    expect(evidence.responses.size).toBeGreaterThan(0);
    expect(evidence.errors.size).toBeGreaterThan(0);
    const kinds = new Set(evidence.secrets.map((secret) => secret.kind));
    for (const kind of expectedKinds) expect(kinds, `no ${kind} was recorded`).toContain(kind);
  });

  /** `kind in <what> <file>` for every secret found in the texts. */
  function scan(
    texts: ReadonlyMap<string, string>,
    what: string,
    secrets: readonly RecordedSecret[],
  ): string[] {
    const matcher = new SecretMatcher(secrets);
    return [...texts].flatMap(([file, text]) =>
      matcher.find(text).map((secret) => `${secret.kind} in ${what} ${file}`),
    );
  }

  it('finds no secret in any log line or process output', () => {
    expect(scan(evidence.logs, 'log', evidence.secrets)).toEqual([]);
  });

  it('finds no secret in any error of the WeCom client (message, stack, JSON)', () => {
    expect(scan(evidence.errors, 'error', evidence.secrets)).toEqual([]);
  });

  it('finds no WeCom secret or server-side key in any response', () => {
    const nowhere = evidence.secrets.filter((secret) => secret.scope === 'nowhere');
    expect(scan(evidence.responses, 'response', nowhere)).toEqual([]);
  });
});

describe('the scan itself', () => {
  // The scan above passes by finding nothing: it must be able to find a secret wherever it is.
  const secret = fc.string({ minLength: 8, maxLength: 64, unit: 'grapheme-ascii' });
  it('finds a recorded secret anywhere in a text, and only what is there', () => {
    fc.assert(
      fc.property(
        fc.array(secret, { minLength: 1, maxLength: 20 }),
        fc.string({ maxLength: 200 }),
        fc.string({ maxLength: 200 }),
        fc.nat(),
        (values, before, after, pick) => {
          const secrets = values.map((value, i) => ({ kind: `k${i}`, scope: 'nowhere' as const, value }));
          const planted = secrets[pick % secrets.length] as RecordedSecret;
          const text = `${before}${planted.value}${after}`;
          const found = new SecretMatcher(secrets).find(text);
          expect(found).toContain(planted);
          for (const candidate of secrets)
            expect(found.includes(candidate)).toBe(text.includes(candidate.value));
        },
      ),
      { numRuns: 500 },
    );
  });
});
