/**
 * Loads the configuration once at start: environment over an optional JSON file, validated as a whole so that
 * every problem is listed in one message, then frozen.
 */
import { readFileSync } from 'node:fs';
import { type SettingValues, settings } from './settings.js';

/** The validated configuration. `credentials` is absent in sandbox mode. */
export interface GatewayConfig
  extends Readonly<Omit<SettingValues, 'corpId' | 'secret' | 'secretFile' | 'miniProgramAppId'>> {
  readonly mode: 'wecom' | 'sandbox';
  readonly credentials:
    | { readonly corpId: string; readonly secret: string; readonly miniProgramAppId: string }
    | undefined;
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
  const known = new Set(Object.values(settings).map((s) => s.env));
  for (const key of Object.keys(fromFile)) {
    if (!known.has(key)) problems.push(`--config: unknown setting ${key}`);
  }

  const values: Record<string, unknown> = {};
  for (const [name, definition] of Object.entries(settings)) {
    const fromEnv = input.env[definition.env];
    const raw = fromEnv !== undefined && fromEnv !== '' ? fromEnv : fromFile[definition.env];
    const parsed = definition.schema.safeParse(raw);
    if (parsed.success) {
      values[name] = parsed.data;
    } else {
      const shown = definition.secret || raw === undefined ? '' : ` (got ${JSON.stringify(raw)})`;
      for (const issue of parsed.error.issues) problems.push(`${definition.env}: ${issue.message}${shown}`);
    }
  }

  let secret = values.secret as string | undefined;
  const secretFile = values.secretFile as string | undefined;
  if (secret === undefined && secretFile !== undefined) {
    try {
      secret = readFileSync(secretFile, 'utf8').trim();
      if (secret.length === 0) problems.push(`WECOM_SECRET_FILE: ${secretFile} is empty`);
    } catch (error) {
      problems.push(
        `WECOM_SECRET_FILE: cannot read ${secretFile} (${(error as NodeJS.ErrnoException).code ?? 'error'})`,
      );
    }
  }
  const corpId = values.corpId as string | undefined;
  const miniProgramAppId = values.miniProgramAppId as string | undefined;
  const credentialed = corpId !== undefined || secret !== undefined;
  if (credentialed) {
    if (corpId === undefined) problems.push('WECOM_CORP_ID: required when a secret is set');
    if (secret === undefined)
      problems.push('WECOM_SECRET: required when WECOM_CORP_ID is set (or WECOM_SECRET_FILE)');
    if (miniProgramAppId === undefined)
      problems.push('WECOM_MINIPROGRAM_APPID: required when credentials are set');
  }
  if ((values.callbackToken === undefined) !== (values.callbackAesKey === undefined)) {
    problems.push('WECOM_CALLBACK_TOKEN and WECOM_CALLBACK_AES_KEY: set both or neither');
  }
  if (problems.length > 0) throw new ConfigError(problems);

  const { corpId: _c, secret: _s, secretFile: _f, miniProgramAppId: _m, ...rest } = values;
  const config: GatewayConfig = {
    ...(rest as Omit<SettingValues, 'corpId' | 'secret' | 'secretFile' | 'miniProgramAppId'>),
    mode: credentialed ? 'wecom' : 'sandbox',
    credentials:
      credentialed && corpId && secret && miniProgramAppId
        ? Object.freeze({ corpId, secret, miniProgramAppId })
        : undefined,
  };
  return Object.freeze(config);
}
