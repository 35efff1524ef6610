/**
 * Loads the configuration once at start: environment over an optional JSON file, validated as a whole so that
 * every problem is listed in one message, then frozen.
 */
import { readFileSync } from 'node:fs';
import { resolveAdminTokens } from './admin-settings.js';
import { type CorpConfig, parseCorpList, readSecretFile, resolveEntry } from './corps.js';
import { type SettingValues, settings } from './settings.js';
import { checkRedisSettings } from './store-config.js';
import { resolveSuite, type SuiteConfig, type SuiteSettingValues, suiteRequested } from './suite.js';

/** The settings that describe the corps; the configuration holds them resolved, as `credentials.corps`. */
type CorpSettingName =
  | 'corpId'
  | 'secret'
  | 'secretFile'
  | 'secretFallbacks'
  | 'miniProgramAppId'
  | 'corps'
  | 'callbackToken'
  | 'callbackAesKey'
  | keyof SuiteSettingValues
  | 'adminToken'
  | 'adminTokenFile';

/** The WeCom side of a configuration with credentials: the corps served and the one mini program. */
export interface GatewayCredentials {
  /** The corps served, the default first; each with its secret and, when configured, its callback. */
  readonly corps: readonly CorpConfig[];
  /** The mini program associated with the corps' apps. */
  readonly miniProgramAppId: string;
}

/** A third-party (suite) app's side of a configuration: the suite and its one mini program. */
export interface SuiteCredentials {
  readonly suite: SuiteConfig;
  /** The suite's mini program. */
  readonly miniProgramAppId: string;
}

/**
 * The validated configuration. In `wecom` mode exactly one of `credentials` (self-built apps of the configured
 * corps) and `suite` (a third-party app) is set; in sandbox mode neither is.
 */
export interface GatewayConfig extends Readonly<Omit<SettingValues, CorpSettingName>> {
  readonly mode: 'wecom' | 'sandbox';
  readonly credentials: GatewayCredentials | undefined;
  readonly suite: SuiteCredentials | undefined;
  /**
   * The bearer tokens of the admin API, any of which is accepted (several while one is rotated); empty when none is
   * configured. Secret: never logged.
   */
  readonly adminTokens: readonly string[];
}

/** The configuration is invalid. `problems` lists each one; none of them echoes a secret value. */
export class ConfigError extends Error {
  readonly problems: readonly string[];
  constructor(problems: readonly string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
    this.problems = problems;
  }
}

/** Where {@link loadConfig} reads the settings from. */
export interface LoadConfigInput {
  readonly env: Readonly<Record<string, string | undefined>>;
  /** A JSON file whose keys are the environment variable names. Environment variables win over it. */
  readonly configFile?: string;
}

function readJsonFile(path: string, problems: string[]): Record<string, unknown> {
  try {
    const parsed: unknown = JSON.parse(readFileSync(path, 'utf8'));
    if (typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed))
      return parsed as Record<string, unknown>;
    problems.push(`--config ${path}: must hold a JSON object`);
  } catch (error) {
    problems.push(`--config ${path}: ${(error as Error).message}`);
  }
  return {};
}

/**
 * Reads, validates and freezes the configuration; a {@link ConfigError} lists every problem at once.
 *
 * @example
 * const config = loadConfig({ env: process.env, configFile: options.config });
 */
export function loadConfig(input: LoadConfigInput): GatewayConfig {
  const problems: string[] = [];
  const fromFile = input.configFile ? readJsonFile(input.configFile, problems) : {};
  // A config file may spell the corp list `corps`, as the documentation shows it.
  if ('corps' in fromFile) {
    if ('WECOM_CORPS' in fromFile) problems.push('--config: set corps or WECOM_CORPS, not both');
    fromFile.WECOM_CORPS = fromFile.corps;
    delete fromFile.corps;
  }
  const known = new Set(Object.values(settings).map((s) => s.env));
  for (const key of Object.keys(fromFile)) {
    if (!known.has(key)) problems.push(`--config: unknown setting ${key}`);
  }

  const values: Record<string, unknown> = {};
  // The settings given at all, valid or not: a corp id given but malformed still asks for its secret.
  const given = new Set<string>();
  for (const [name, definition] of Object.entries(settings)) {
    const fromEnv = input.env[definition.env];
    const raw = fromEnv !== undefined && fromEnv !== '' ? fromEnv : fromFile[definition.env];
    if (raw !== undefined && raw !== '') given.add(name);
    const parsed = definition.schema.safeParse(raw);
    if (parsed.success) {
      values[name] = parsed.data;
    } else {
      const shown = definition.secret || raw === undefined ? '' : ` (got ${JSON.stringify(raw)})`;
      for (const issue of parsed.error.issues) problems.push(`${definition.env}: ${issue.message}${shown}`);
    }
  }

  const suiteValues: SuiteSettingValues = {
    suiteId: values.suiteId as string | undefined,
    suiteSecret: values.suiteSecret as string | undefined,
    suiteSecretFile: values.suiteSecretFile as string | undefined,
    suiteToken: values.suiteToken as string | undefined,
    suiteAesKey: values.suiteAesKey as string | undefined,
  };
  let credentials: GatewayCredentials | undefined;
  let suite: SuiteCredentials | undefined;
  if (suiteRequested(suiteValues)) {
    // One mini program is bound either to self-built apps or to one third-party app: one or the other per gateway.
    if (values.corpId !== undefined || values.secret !== undefined || values.corps !== undefined) {
      problems.push(
        'WECOM_SUITE_ID: a gateway runs as self-built apps (WECOM_CORP_ID / WECOM_CORPS) or as a third-party app (WECOM_SUITE_*), not both: run one gateway per mini program',
      );
    }
    const resolved = resolveSuite(suiteValues, problems);
    const miniProgramAppId = values.miniProgramAppId as string | undefined;
    if (miniProgramAppId === undefined) {
      problems.push('WECOM_MINIPROGRAM_APPID: required for a third-party app: the appid of its mini program');
    }
    if (resolved && miniProgramAppId !== undefined)
      suite = Object.freeze({ suite: resolved, miniProgramAppId });
  } else {
    credentials = resolveCredentials(values, given, problems);
  }
  const adminTokens = resolveAdminTokens(values, !credentials && !suite, problems);
  checkRedisSettings(values, problems);
  if (problems.length > 0) throw new ConfigError(problems);

  const {
    corpId: _c,
    secret: _s,
    secretFile: _f,
    secretFallbacks: _p,
    miniProgramAppId: _m,
    corps: _l,
    callbackToken: _t,
    callbackAesKey: _k,
    suiteId: _si,
    suiteSecret: _ss,
    suiteSecretFile: _sf,
    suiteToken: _st,
    suiteAesKey: _sk,
    adminToken: _a,
    adminTokenFile: _af,
    ...rest
  } = values;
  const config: GatewayConfig = {
    ...(rest as Omit<SettingValues, CorpSettingName>),
    mode: credentials || suite ? 'wecom' : 'sandbox',
    credentials,
    suite,
    adminTokens: Object.freeze(adminTokens),
  };
  return Object.freeze(config);
}

/**
 * The corps and the mini program, from the single-corp variables (a one-corp list) or from `WECOM_CORPS`; undefined
 * when neither is set (sandbox mode). Every problem is pushed, none with a secret in it.
 */
function resolveCredentials(
  values: Record<string, unknown>,
  given: ReadonlySet<string>,
  problems: string[],
): GatewayCredentials | undefined {
  const corpId = values.corpId as string | undefined;
  const secret = values.secret as string | undefined;
  const secretFile = values.secretFile as string | undefined;
  const secretFallbacks = values.secretFallbacks as readonly string[];
  const callbackToken = values.callbackToken as string | undefined;
  const callbackAesKey = values.callbackAesKey as string | undefined;
  const corpList = values.corps;
  const miniProgramAppId = values.miniProgramAppId as string | undefined;
  const single = given.has('corpId') || given.has('secret') || given.has('secretFile');

  let corps: CorpConfig[] = [];
  if (corpList !== undefined) {
    if (single) {
      problems.push('WECOM_CORPS: set either WECOM_CORPS or WECOM_CORP_ID with its secret, not both');
    }
    if (callbackToken !== undefined || callbackAesKey !== undefined) {
      problems.push(
        'WECOM_CALLBACK_TOKEN and WECOM_CALLBACK_AES_KEY: with WECOM_CORPS, set callbackToken and callbackAesKey on each corp',
      );
    }
    if (secretFallbacks.length > 0) {
      problems.push('WECOM_SECRET_FALLBACKS: with WECOM_CORPS, set previousSecrets on each corp');
    }
    corps = parseCorpList(corpList, problems);
  } else if (single) {
    // A setting given but invalid was reported above; only a missing one is reported here.
    if (!given.has('corpId')) problems.push('WECOM_CORP_ID: required when a secret is set');
    if (!given.has('secret') && !given.has('secretFile')) {
      problems.push('WECOM_SECRET: required when WECOM_CORP_ID is set (or WECOM_SECRET_FILE)');
    }
    const fileSecret =
      secret === undefined && secretFile !== undefined
        ? readSecretFile(secretFile, 'WECOM_SECRET_FILE', problems)
        : undefined;
    if ((callbackToken === undefined) !== (callbackAesKey === undefined)) {
      problems.push('WECOM_CALLBACK_TOKEN and WECOM_CALLBACK_AES_KEY: set both or neither');
    }
    const resolvedSecret = secret ?? fileSecret;
    if (corpId !== undefined && resolvedSecret !== undefined) {
      const corp = resolveEntry(
        {
          corpId,
          secret: resolvedSecret,
          ...(secretFallbacks.length === 0 ? {} : { previousSecrets: [...secretFallbacks] }),
          ...(callbackToken === undefined ? {} : { callbackToken }),
          ...(callbackAesKey === undefined ? {} : { callbackAesKey }),
        },
        'WECOM_CORP_ID',
        problems,
        {
          corpId: 'WECOM_CORP_ID',
          secret: secret === undefined ? 'WECOM_SECRET_FILE' : 'WECOM_SECRET',
          previousSecrets: 'WECOM_SECRET_FALLBACKS',
          callback: 'WECOM_CALLBACK_TOKEN and WECOM_CALLBACK_AES_KEY',
        },
      );
      if (corp) corps = [corp];
    }
  } else {
    if ((callbackToken === undefined) !== (callbackAesKey === undefined)) {
      problems.push('WECOM_CALLBACK_TOKEN and WECOM_CALLBACK_AES_KEY: set both or neither');
    }
    if (secretFallbacks.length > 0) {
      problems.push('WECOM_SECRET_FALLBACKS: previous secrets of WECOM_SECRET, which is not set');
    }
    return undefined;
  }
  if (!given.has('miniProgramAppId'))
    problems.push('WECOM_MINIPROGRAM_APPID: required when credentials are set');
  if (corps.length === 0 || miniProgramAppId === undefined) return undefined;
  return Object.freeze({ corps: Object.freeze(corps), miniProgramAppId });
}
