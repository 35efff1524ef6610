/**
 * The third-party (suite) app a gateway runs as: a service provider's app that many corps install, whose mini
 * program's logins go through `service/miniprogram/jscode2session` with the suite's own token. Configured by
 * `WECOM_SUITE_ID`, `WECOM_SUITE_SECRET` (or `WECOM_SUITE_SECRET_FILE`), `WECOM_SUITE_TOKEN` and
 * `WECOM_SUITE_AES_KEY`, the last two being the instruction callback's (指令回调) Token and EncodingAESKey.
 */
import { readSecretFile } from './corps.js';

/** The suite's credentials. Its secret, token and key never appear in a message or a log line. */
export interface SuiteConfig {
  /** The SuiteID: also the receiveId the instruction callback is sealed for. */
  readonly suiteId: string;
  readonly suiteSecret: string;
  /** The instruction callback's Token. */
  readonly token: string;
  /** The instruction callback's EncodingAESKey. */
  readonly encodingAESKey: string;
  /** The setting the secret was read from, for messages that say which to change (`WECOM_SUITE_SECRET` by default). */
  readonly secretSetting?: 'WECOM_SUITE_SECRET' | 'WECOM_SUITE_SECRET_FILE';
}

/** The suite settings as read, before the secret file is. */
export interface SuiteSettingValues {
  readonly suiteId: string | undefined;
  readonly suiteSecret: string | undefined;
  readonly suiteSecretFile: string | undefined;
  readonly suiteToken: string | undefined;
  readonly suiteAesKey: string | undefined;
}

/** True when any suite setting is given: the gateway is then meant to run as a third-party app. */
export function suiteRequested(values: SuiteSettingValues): boolean {
  return Object.values(values).some((value) => value !== undefined);
}

/**
 * The suite of the settings, every missing part pushed to `problems` by its variable's name (never a value).
 *
 * @example
 * const suite = resolveSuite(values, problems); // undefined when a part is missing
 */
export function resolveSuite(values: SuiteSettingValues, problems: string[]): SuiteConfig | undefined {
  const before = problems.length;
  if (values.suiteId === undefined) problems.push('WECOM_SUITE_ID: required for a third-party (suite) app');
  let secret = values.suiteSecret;
  if (secret !== undefined && values.suiteSecretFile !== undefined) {
    problems.push('WECOM_SUITE_SECRET and WECOM_SUITE_SECRET_FILE: set one, not both');
  } else if (secret === undefined && values.suiteSecretFile !== undefined) {
    secret = readSecretFile(values.suiteSecretFile, 'WECOM_SUITE_SECRET_FILE', problems);
  } else if (secret === undefined) {
    problems.push('WECOM_SUITE_SECRET: required for a third-party (suite) app (or WECOM_SUITE_SECRET_FILE)');
  }
  if (values.suiteToken === undefined) {
    problems.push(
      'WECOM_SUITE_TOKEN: required for a third-party (suite) app: the Token of its instruction callback',
    );
  }
  if (values.suiteAesKey === undefined) {
    problems.push(
      'WECOM_SUITE_AES_KEY: required for a third-party (suite) app: the EncodingAESKey of its instruction callback',
    );
  }
  if (
    problems.length > before ||
    values.suiteId === undefined ||
    secret === undefined ||
    values.suiteToken === undefined ||
    values.suiteAesKey === undefined
  ) {
    return undefined;
  }
  return Object.freeze({
    suiteId: values.suiteId,
    suiteSecret: secret,
    token: values.suiteToken,
    encodingAESKey: values.suiteAesKey,
    secretSetting: values.suiteSecret === undefined ? 'WECOM_SUITE_SECRET_FILE' : 'WECOM_SUITE_SECRET',
  });
}
