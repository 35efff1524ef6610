/**
 * The corps a gateway serves. One mini program can be associated with the self-built apps of several corps (a group:
 * a parent and its subsidiaries); each corp is a tenant with its own app secret and its own contact callback.
 *
 * Two equivalent forms: the single-corp variables (`WECOM_CORP_ID`, `WECOM_SECRET` or `WECOM_SECRET_FILE`,
 * `WECOM_CALLBACK_TOKEN`, `WECOM_CALLBACK_AES_KEY`, `WECOM_SECRET_FALLBACKS`), read as a one-corp list, or
 * `WECOM_CORPS`, a JSON array of `{ corpId, secret | secretFile, previousSecrets?, callbackToken?, callbackAesKey? }`
 * (in a `--config` file: `corps` or `WECOM_CORPS`, an array). The first corp is the default: a login that names no corp
 * is exchanged with its token.
 */
import { readFileSync } from 'node:fs';
import { z } from 'zod';

/**
 * The settings a corp is configured by, for messages that say what to change: `WECOM_SECRET` for the single-corp
 * form, `WECOM_CORPS[1].secret` for the second corp of a list. Names only, never values.
 */
export interface CorpSettingNames {
  readonly corpId: string;
  readonly secret: string;
  readonly previousSecrets: string;
  /** The callback's token and key, as one phrase. */
  readonly callback: string;
}

/** One corp the gateway serves. Its secret and callback key never appear in a message or a log line. */
export interface CorpConfig {
  /** The corp ID (`ww…`). */
  readonly corpId: string;
  /** The secret of the corp's app that the mini program is associated with. */
  readonly secret: string;
  /**
   * Secrets the app had before, newest first. Only what the data key derived from them sealed needs them: they are
   * never sent to WeCom.
   */
  readonly previousSecrets?: readonly string[];
  /** Which settings configure this corp; absent for corps that no setting names (sandbox mode's demo corps). */
  readonly settingNames?: CorpSettingNames;
  /** The corp's contact-change callback, when configured: `/v1/callback/{corpId}` then verifies and applies it. */
  readonly callback: { readonly token: string; readonly encodingAESKey: string } | undefined;
}

/** What a corp ID looks like (My Company > Company Information). */
export const corpIdPattern = /^w[wx][0-9a-zA-Z]{6,30}$/;
/** The callback Token: 1–32 letters or digits. */
export const callbackTokenPattern = /^[A-Za-z0-9]{1,32}$/;
/** The callback EncodingAESKey: 43 base64 characters. */
export const callbackAesKeyPattern = /^[A-Za-z0-9+/]{43}$/;

const corpEntrySchema = z.strictObject({
  corpId: z.string().regex(corpIdPattern, 'must be a corp ID such as ww0123456789abcdef'),
  secret: z.string().min(1, 'must not be empty').optional(),
  secretFile: z.string().min(1, 'must not be empty').optional(),
  previousSecrets: z.array(z.string().min(1, 'must not be empty')).optional(),
  callbackToken: z.string().regex(callbackTokenPattern, 'must be 1-32 letters or digits').optional(),
  callbackAesKey: z
    .string()
    .regex(callbackAesKeyPattern, 'must be the 43-character EncodingAESKey')
    .optional(),
});

/** One corp as written in the configuration, before its secret file is read. */
export type CorpEntry = z.output<typeof corpEntrySchema>;

/**
 * Reads a secret file (Docker/Kubernetes secrets), trimmed. A problem is described by the file's path and the
 * system's error code, never by its content.
 */
export function readSecretFile(path: string, label: string, problems: string[]): string | undefined {
  try {
    const secret = readFileSync(path, 'utf8').trim();
    if (secret.length === 0) {
      problems.push(`${label}: ${path} is empty`);
      return undefined;
    }
    return secret;
  } catch (error) {
    problems.push(`${label}: cannot read ${path} (${(error as NodeJS.ErrnoException).code ?? 'error'})`);
    return undefined;
  }
}

/** `WECOM_CORPS` as given: a JSON array (a string from the environment, an array from a config file). */
function parseList(raw: unknown, problems: string[]): unknown[] | undefined {
  let value = raw;
  if (typeof raw === 'string') {
    try {
      value = JSON.parse(raw);
    } catch {
      // The text may hold secrets: the message names the variable, not what JSON.parse quoted from it.
      problems.push('WECOM_CORPS: must be a JSON array of corps ([{"corpId": "ww…", "secret": "…"}, …])');
      return undefined;
    }
  }
  if (!Array.isArray(value) || value.length === 0) {
    problems.push('WECOM_CORPS: must be a non-empty JSON array of corps');
    return undefined;
  }
  return value;
}

/** Validates the entries of `WECOM_CORPS`, each problem named by its index and field, never echoing a value. */
function parseEntries(list: readonly unknown[], problems: string[]): CorpConfig[] {
  const corps: CorpConfig[] = [];
  const seen = new Set<string>();
  list.forEach((item, index) => {
    const label = `WECOM_CORPS[${index}]`;
    const parsed = corpEntrySchema.safeParse(item);
    if (!parsed.success) {
      for (const issue of parsed.error.issues) {
        const field = issue.path.length > 0 ? `.${issue.path.join('.')}` : '';
        const message =
          issue.code === 'unrecognized_keys'
            ? `unknown field${issue.keys.length > 1 ? 's' : ''} ${issue.keys.join(', ')}`
            : issue.code === 'invalid_type' && issue.path.length === 0
              ? 'must be an object { corpId, secret | secretFile, previousSecrets?, callbackToken?, callbackAesKey? }'
              : issue.message;
        problems.push(`${label}${field}: ${message}`);
      }
      return;
    }
    const corp = resolveEntry(parsed.data, label, problems, {
      corpId: `${label}.corpId`,
      secret: `${label}.${parsed.data.secretFile === undefined ? 'secret' : 'secretFile'}`,
      previousSecrets: `${label}.previousSecrets`,
      callback: `${label}.callbackToken and .callbackAesKey`,
    });
    if (corp === undefined) return;
    // WeCom corp ids are compared as given: two spellings of one id would be two tenants sharing one directory.
    const key = corp.corpId.toLowerCase();
    if (seen.has(key)) {
      problems.push(`${label}.corpId: ${corp.corpId} is listed twice`);
      return;
    }
    seen.add(key);
    corps.push(corp);
  });
  return corps;
}

/**
 * One entry with its secret resolved: exactly one of `secret` and `secretFile`, and the callback token and key
 * together or not at all. `names` says which settings configured it, for later messages.
 */
export function resolveEntry(
  entry: CorpEntry,
  label: string,
  problems: string[],
  names?: CorpSettingNames,
): CorpConfig | undefined {
  const before = problems.length;
  let secret = entry.secret;
  if (secret !== undefined && entry.secretFile !== undefined) {
    problems.push(`${label}: set secret or secretFile, not both`);
  } else if (secret === undefined && entry.secretFile !== undefined) {
    secret = readSecretFile(entry.secretFile, `${label}.secretFile`, problems);
  } else if (secret === undefined) {
    problems.push(`${label}.secret: required (or secretFile)`);
  }
  if ((entry.callbackToken === undefined) !== (entry.callbackAesKey === undefined)) {
    problems.push(`${label}: set callbackToken and callbackAesKey both or neither`);
  }
  if (problems.length > before || secret === undefined) return undefined;
  return Object.freeze({
    corpId: entry.corpId,
    secret,
    ...(entry.previousSecrets === undefined
      ? {}
      : { previousSecrets: Object.freeze([...entry.previousSecrets]) }),
    ...(names === undefined ? {} : { settingNames: Object.freeze(names) }),
    callback:
      entry.callbackToken !== undefined && entry.callbackAesKey !== undefined
        ? Object.freeze({ token: entry.callbackToken, encodingAESKey: entry.callbackAesKey })
        : undefined,
  });
}

/**
 * The corps of `WECOM_CORPS` (a JSON string or an array): every problem is pushed to `problems`, so that one start
 * lists all of them.
 *
 * @example
 * const corps = parseCorpList(process.env.WECOM_CORPS, problems);
 */
export function parseCorpList(raw: unknown, problems: string[]): CorpConfig[] {
  const list = parseList(raw, problems);
  return list === undefined ? [] : parseEntries(list, problems);
}
