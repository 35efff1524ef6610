/**
 * `data-key`: what the store keeps sealed (the signing keys, each session's WeCom session_key, any other registered
 * kind) opens with this configuration's data keys. Sealed under a fallback: a rotation is under way, and `wecom-auth
 * rotate-data-key` finishes it. Sealed under no configured key: the key that sealed it is gone; when that key was
 * derived from a secret that changed, the check says which setting brings it back.
 */
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { dataKeyringOf } from '../../config/data-keys.js';
import { upstreamSuiteId } from '../../sandbox-mode.js';
import { type ResealReport, resealRecords, totalOf } from '../../sessions/data-resealer.js';
import { ResealRegistry, resealableKindsOf } from '../../sessions/resealable-records.js';
import type { CheckOutcome, SetupCheck } from '../doctor-check.js';
import type { DoctorContext } from '../doctor-context.js';

const plural = (count: number, word: string): string => `${count} ${word}${count === 1 ? '' : 's'}`;

/** What the census found, in words: "2 signing keys, 31 session keys". */
function describeCounts(report: ResealReport, count: 'current' | 'underFallback' | 'unreadable'): string {
  const words: Record<string, string> = { signing_key: 'signing key', session_key: 'session key' };
  return Object.entries(report)
    .filter(([, counts]) => counts[count] > 0)
    .map(([kind, counts]) => plural(counts[count], words[kind] ?? `${kind.replaceAll('_', ' ')} record`))
    .join(', ');
}

/** The settings that bring back a lost key, and how to avoid losing one next time. */
function recovery(context: DoctorContext): { text: string; settings: string[] } {
  const defaultCorp = context.corps[0];
  const previousSecrets = defaultCorp?.names.previousSecrets ?? 'WECOM_SECRET_FALLBACKS';
  if (context.config.dataKey === undefined) {
    return {
      text:
        `WECOM_AUTH_DATA_KEY is not set, so the data key is derived from the secret, and the secret changed since these were sealed. ` +
        `Set ${previousSecrets} to the secret the gateway ran with before, restart, run wecom-auth rotate-data-key, and remove ` +
        'the fallback once this check passes. If that secret is lost, the gateway still starts: a fresh signing key replaces ' +
        'the old one and these sessions end when they next decrypt (the mini-program SDK logs in again). Next time, set ' +
        'WECOM_AUTH_DATA_KEY once (it loses nothing) and a secret change no longer touches stored data.',
      settings: [previousSecrets, 'WECOM_AUTH_DATA_KEY'],
    };
  }
  return {
    text:
      'Set WECOM_AUTH_DATA_KEY_FALLBACKS to the WECOM_AUTH_DATA_KEY these were sealed with, restart, run wecom-auth ' +
      'rotate-data-key, and remove the fallback once this check passes. If that key is lost, the gateway still starts: a ' +
      'fresh signing key replaces the old one and these sessions end when they next decrypt (the SDK logs in again).',
    settings: ['WECOM_AUTH_DATA_KEY_FALLBACKS'],
  };
}

export const dataKeyCheck: SetupCheck = {
  id: 'data-key',
  title: 'Data key and signing keys',
  scope: 'setup',
  needs: ['store'],
  gatewayErrors: ['session_revoked', 'decrypt_failed'],
  async run(context): Promise<CheckOutcome> {
    const { config, upstream } = context;
    const keyring = dataKeyringOf({
      dataKey: config.dataKey,
      dataKeyFallbacks: config.dataKeyFallbacks,
      corps: upstream.corps,
    });
    const derivedAdvice =
      config.dataKey === undefined
        ? [
            `The data key is derived from the secret: when the secret changes, keep the old one in ${context.corps[0]?.names.previousSecrets ?? 'WECOM_SECRET_FALLBACKS'} until this check reports nothing under it, or set WECOM_AUTH_DATA_KEY once (docs/operations.md).`,
          ]
        : [];
    if (config.redisUrl === undefined && !existsSync(resolve(config.dbPath))) {
      return {
        verdict: 'pass',
        summary: `Nothing is sealed yet; the first start seals its signing key under the data key ${keyring.currentSource}.`,
        details: derivedAdvice,
      };
    }
    const store = context.store();
    const report = await resealRecords({
      kinds: new ResealRegistry(resealableKindsOf(store, context.now, await upstreamSuiteId(context.config)))
        .kinds,
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
        fix: recovery(context),
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
        fix: { ...recovery(context), text: `Only if the old key still exists: ${recovery(context).text}` },
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
