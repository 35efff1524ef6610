/**
 * What brings back a data key that sealed records this configuration cannot open, and how not to lose one next time:
 * the words of `data-key` and of `suite-installs` (a permanent code that does not open). Self-built apps keep their
 * previous secrets (`WECOM_SECRET_FALLBACKS`); a third-party app's previous suite secret comes back as the data key
 * derived from it, in `WECOM_AUTH_DATA_KEY_FALLBACKS`.
 */
import type { Fix } from './doctor-check.js';
import type { DoctorContext } from './doctor-context.js';

/**
 * Prints the data key derived from the secret given as its argument (base64), as the gateway derives it: HKDF-SHA256
 * with salt `wecom-auth` and info `data-sealing-key v1` (see `deriveDataKey`).
 */
export const deriveKeyCommand =
  'node -e \'console.log(Buffer.from(require("node:crypto").hkdfSync("sha256", process.argv[1], "wecom-auth", "data-sealing-key v1", 32)).toString("base64"))\'';

/** The settings that bring back a lost key, and how to avoid losing one next time. */
export function lostKeyRecovery(context: DoctorContext): Fix & { readonly settings: readonly string[] } {
  const suite = context.suite;
  const codes =
    suite === undefined
      ? ''
      : ' A corp whose permanent code was sealed under it cannot get tokens either: its users cannot log in until it installs the app anew.';
  if (context.config.dataKey === undefined && suite !== undefined) {
    return {
      text:
        `WECOM_AUTH_DATA_KEY is not set, so the data key is derived from the suite secret (${suite.names.secret}), and the suite secret changed since these were sealed. ` +
        `Set WECOM_AUTH_DATA_KEY_FALLBACKS to the key derived from the previous suite secret, which ${deriveKeyCommand} '<the previous suite secret>' prints; ` +
        'restart, run wecom-auth rotate-data-key, and remove the fallback once this check passes. If that secret is lost, the gateway still starts: a fresh signing key replaces ' +
        `the old one and these sessions end when they next decrypt (the mini-program SDK logs in again).${codes} Next time, set ` +
        'WECOM_AUTH_DATA_KEY once (it loses nothing) and a suite secret change no longer touches stored data.',
      settings: ['WECOM_AUTH_DATA_KEY_FALLBACKS', 'WECOM_AUTH_DATA_KEY'],
    };
  }
  if (context.config.dataKey === undefined) {
    const previousSecrets = context.corps[0]?.names.previousSecrets ?? 'WECOM_SECRET_FALLBACKS';
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
      `fresh signing key replaces the old one and these sessions end when they next decrypt (the SDK logs in again).${codes}`,
    settings: ['WECOM_AUTH_DATA_KEY_FALLBACKS'],
  };
}

/** The advice of a derived data key: keep the old secret while it is needed, or set a data key once. */
export function derivedKeyAdvice(context: DoctorContext): string[] {
  if (context.config.dataKey !== undefined) return [];
  const suite = context.suite;
  if (suite !== undefined) {
    return [
      "The data key is derived from the suite secret and seals the corps' permanent codes: set WECOM_AUTH_DATA_KEY once (it loses nothing), so that a change of the suite secret never touches them (docs/operations.md).",
    ];
  }
  return [
    `The data key is derived from the secret: when the secret changes, keep the old one in ${context.corps[0]?.names.previousSecrets ?? 'WECOM_SECRET_FALLBACKS'} until this check reports nothing under it, or set WECOM_AUTH_DATA_KEY once (docs/operations.md).`,
  ];
}
