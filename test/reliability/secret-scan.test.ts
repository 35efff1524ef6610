/**
 * The suite-wide secret scan. Runs after every other reliability file (see support/last-file-sequencer.ts) and
 * searches every log line, process output and response body they recorded for every secret they were handed.
 */
import { describe, expect, it } from 'vitest';
import { readEvidence } from './support/evidence.js';

const evidence = readEvidence();

describe('secret scan over the whole reliability suite', () => {
  it('has evidence to search: logs, responses and the secrets of every kind that was in play', () => {
    // A scan over nothing proves nothing: the other files must have recorded what they saw.
    expect(evidence.logs.size).toBeGreaterThan(0);
    expect(evidence.responses.size).toBeGreaterThan(0);
    const kinds = new Set(evidence.secrets.map((secret) => secret.kind));
    for (const kind of [
      'corpsecret',
      'wecom_access_token',
      'session_key',
      'refresh_token',
      'access_token',
      'login_code',
      'admin_token',
    ])
      expect(kinds, `no ${kind} was recorded`).toContain(kind);
  });

  it('finds no secret in any log line or process output', () => {
    const hits: string[] = [];
    for (const [file, text] of evidence.logs)
      for (const secret of evidence.secrets)
        if (text.includes(secret.value)) hits.push(`${secret.kind} in log ${file}`);
    expect(hits).toEqual([]);
  });

  it('finds no WeCom secret or server-side key in any response', () => {
    const hits: string[] = [];
    for (const [file, text] of evidence.responses)
      for (const secret of evidence.secrets)
        if (secret.scope === 'nowhere' && text.includes(secret.value))
          hits.push(`${secret.kind} in response ${file}`);
    expect(hits).toEqual([]);
  });
});
