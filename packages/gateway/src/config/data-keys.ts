/**
 * The data keyring a configuration describes. The current key is `WECOM_AUTH_DATA_KEY`, or, when it is unset, the key
 * derived from the default corp's secret. Every other key this configuration could ever have sealed with is a
 * fallback, so that no change of configuration makes stored data unreadable by itself:
 *
 * 1. `WECOM_AUTH_DATA_KEY_FALLBACKS`, in order (a data key rotation);
 * 2. with `WECOM_AUTH_DATA_KEY` set, the key derived from the default corp's secret (moving from the derived default
 *    to a configured key);
 * 3. the keys derived from the default corp's previous secrets (`WECOM_SECRET_FALLBACKS`: a secret rotation);
 * 4. the keys derived from the other corps' secrets and previous secrets (reordering `WECOM_CORPS` changes which corp
 *    is the default).
 */
import { createDataKeyring, type DataKey, type DataKeyring } from '../sessions/data-keyring.js';
import { deriveDataKey } from '../sessions/data-sealer.js';
import type { CorpConfig } from './corps.js';

/** What the keyring is made of: the data key settings and the corps served (the default first). */
export interface DataKeySettings {
  /** `WECOM_AUTH_DATA_KEY`, base64. */
  readonly dataKey: string | undefined;
  /** `WECOM_AUTH_DATA_KEY_FALLBACKS`, base64 each. */
  readonly dataKeyFallbacks: readonly string[];
  readonly corps: readonly Pick<CorpConfig, 'corpId' | 'secret' | 'previousSecrets' | 'settingNames'>[];
}

/** The setting that holds a corp's secret (or its n-th previous secret), for a key's source. */
function secretName(corp: DataKeySettings['corps'][number], previous?: number): string {
  if (previous === undefined) return corp.settingNames?.secret ?? `the secret of ${corp.corpId}`;
  return corp.settingNames === undefined
    ? `previous secret ${previous} of ${corp.corpId}`
    : `${corp.settingNames.previousSecrets}[${previous}]`;
}

function derived(secret: string, source: string): DataKey {
  return { key: deriveDataKey({ configuredKey: undefined, secret }), source: `derived from ${source}` };
}

/**
 * The keyring of a configuration (see the module comment for the order of its keys).
 *
 * @example
 * const keyring = dataKeyringOf({ dataKey: config.dataKey, dataKeyFallbacks: config.dataKeyFallbacks, corps });
 */
export function dataKeyringOf(settings: DataKeySettings): DataKeyring {
  const [defaultCorp, ...otherCorps] = settings.corps;
  if (defaultCorp === undefined) throw new TypeError('dataKeyringOf: at least one corp is required');
  const defaultDerived = derived(defaultCorp.secret, secretName(defaultCorp));
  const configured: DataKey | undefined =
    settings.dataKey === undefined
      ? undefined
      : {
          key: deriveDataKey({ configuredKey: settings.dataKey, secret: '' }),
          source: 'WECOM_AUTH_DATA_KEY',
        };
  const previousOf = (corp: DataKeySettings['corps'][number]): DataKey[] =>
    (corp.previousSecrets ?? []).map((previous, index) => derived(previous, secretName(corp, index)));
  const keys: DataKey[] = [
    configured ?? defaultDerived,
    ...settings.dataKeyFallbacks.map((fallback, index) => ({
      key: deriveDataKey({ configuredKey: fallback, secret: '' }),
      source: `WECOM_AUTH_DATA_KEY_FALLBACKS[${index}]`,
    })),
    ...(configured === undefined ? [] : [defaultDerived]),
    ...previousOf(defaultCorp),
    ...otherCorps.flatMap((corp) => [derived(corp.secret, secretName(corp)), ...previousOf(corp)]),
  ];
  return createDataKeyring(keys);
}

/**
 * True when the configuration names previous keys or secrets: a rotation is under way, and a gateway reseals what
 * they sealed when it starts.
 */
export function hasConfiguredFallbacks(settings: DataKeySettings): boolean {
  return (
    settings.dataKeyFallbacks.length > 0 ||
    settings.corps.some((corp) => (corp.previousSecrets ?? []).length > 0)
  );
}
