/**
 * `data-key`: what the store keeps sealed (the signing keys, each session's WeCom session_key, a third-party app's
 * permanent codes, any other registered kind) opens with this configuration's data keys. Sealed under a fallback: a
 * rotation is under way, and `wecom-auth rotate-data-key` finishes it. Sealed under no configured key: the key that
 * sealed it is gone; when that key was derived from a secret that changed, the check says which setting brings it
 * back.
 */
import { type ResealReport, resealRecords, totalOf } from '../../sessions/data-resealer.js';
import { ResealRegistry, resealableKindsOf } from '../../sessions/resealable-records.js';
import { derivedKeyAdvice, lostKeyRecovery } from '../data-key-recovery.js';
import type { CheckOutcome, SetupCheck } from '../doctor-check.js';

const plural = (count: number, word: string): string => `${count} ${word}${count === 1 ? '' : 's'}`;

/** What the census found, in words: "2 signing keys, 31 session keys". */
function describeCounts(report: ResealReport, count: 'current' | 'underFallback' | 'unreadable'): string {
  const words: Record<string, string> = {
    signing_key: 'signing key',
    session_key: 'session key',
    permanent_code: 'permanent code',
  };
  return Object.entries(report)
    .filter(([, counts]) => counts[count] > 0)
    .map(([kind, counts]) => plural(counts[count], words[kind] ?? `${kind.replaceAll('_', ' ')} record`))
    .join(', ');
}

export const dataKeyCheck: SetupCheck = {
  id: 'data-key',
  title: 'Data key and signing keys',
  scope: 'setup',
  needs: ['store'],
  gatewayErrors: ['session_revoked', 'decrypt_failed'],
  async run(context): Promise<CheckOutcome> {
    const keyring = context.dataKeyring();
    const derivedAdvice = derivedKeyAdvice(context);
    const store = context.existingStore();
    if (store === undefined) {
      return {
        verdict: 'pass',
        summary: `Nothing is sealed yet; the first start seals its signing key under the data key ${keyring.currentSource}.`,
        details: derivedAdvice,
      };
    }
    const report = await resealRecords({
      kinds: new ResealRegistry(resealableKindsOf(store, context.now, context.suite?.suiteId)).kinds,
      keyring,
      census: true,
    });
    const active = (await store.signingKeys.list()).find((record) => record.retiredAt === undefined);
    const activeSealed = (active?.privateJwk as { sealed?: unknown } | undefined)?.sealed;
    const activeOpens =
      typeof activeSealed === 'string' && keyring.unseal(activeSealed, 'signing_key') !== undefined;

    if (active !== undefined && !activeOpens) {
      return {
        verdict: 'fail',
        summary: `The active signing key (and ${describeCounts(report, 'unreadable')} in all) was sealed under a data key this configuration does not have.`,
        details: [`Keys tried: ${keyring.sources.join(', ')}.`],
        fix: lostKeyRecovery(context),
      };
    }
    const lostCodes = report.permanent_code?.unreadable ?? 0;
    if (lostCodes > 0) {
      // Unlike a session, a corp whose permanent code is lost does not recover by itself: it has no token at all.
      return {
        verdict: 'fail',
        summary: `The data key that sealed ${describeCounts(report, 'unreadable')} is not configured: ${lostCodes === 1 ? 'the corp of that permanent code gets no token, so none of its users' : `the ${lostCodes} corps of those permanent codes get no token, so none of their users`} can log in.`,
        details: [`Keys tried: ${keyring.sources.join(', ')}.`],
        fix: lostKeyRecovery(context),
      };
    }
    const unreadable = totalOf(report, 'unreadable');
    if (unreadable > 0) {
      return {
        verdict: 'warn',
        summary: `${describeCounts(report, 'unreadable')} were sealed under a data key this configuration does not have; the active signing key opens.`,
        details: [
          'A retired signing key is harmless (the next wecom-auth rotate-keys prunes it); a session whose session_key is lost ends when it next decrypts, and the SDK logs in again.',
          `Keys tried: ${keyring.sources.join(', ')}.`,
        ],
        fix: {
          ...lostKeyRecovery(context),
          text: `Only if the old key still exists: ${lostKeyRecovery(context).text}`,
        },
      };
    }
    const underFallback = totalOf(report, 'underFallback');
    if (underFallback > 0) {
      const sources = [...new Set(Object.values(report).flatMap((counts) => Object.keys(counts.bySource)))];
      return {
        verdict: 'warn',
        summary: `${describeCounts(report, 'underFallback')} are still sealed under ${sources.join(', ')}: keep ${sources.length === 1 ? 'it' : 'them'} until they are resealed.`,
        details: [`The current data key: ${keyring.currentSource}.`],
        fix: {
          text: 'Run wecom-auth rotate-data-key with this configuration (running gateways also reseal at start), then remove the fallback.',
        },
      };
    }
    const current = totalOf(report, 'current');
    const configuredFallbacks = keyring.sources.filter(
      (source) =>
        source.startsWith('WECOM_AUTH_DATA_KEY_FALLBACKS') || /previousSecrets|SECRET_FALLBACKS/.test(source),
    );
    return {
      verdict: 'pass',
      summary:
        current === 0
          ? `Nothing is sealed yet; the first start seals its signing key under the data key ${keyring.currentSource}.`
          : `${describeCounts(report, 'current')}: all sealed under the current data key (${keyring.currentSource}).`,
      details: [
        ...(configuredFallbacks.length > 0
          ? [
              `Nothing is sealed under ${configuredFallbacks.join(', ')} any more: remove ${configuredFallbacks.length === 1 ? 'it' : 'them'}.`,
            ]
          : []),
        ...derivedAdvice,
      ],
    };
  },
};
