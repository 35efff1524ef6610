import { readFileSync } from 'node:fs';
import type { FastifyBaseLogger } from 'fastify';
import { demoDirectory } from './demo-directory.js';
import { type DirectoryFixture, type DirectoryFixtureInput, parseDirectory } from './directory-schema.js';
import type { ErrmsgStyle } from './errmsg.js';
import { SandboxError } from './errors.js';
import { isGeneratedDirectory } from './provider-directory.js';
import { DEFAULT_RATE_LIMITS, type RateLimits } from './rate-limiter.js';
import type { SimulatorOptions } from './routes/simulator.js';
import { parseSuites, type SuiteFixture, type SuiteOptions } from './suite-schema.js';

/** What the sandbox answers on an unknown `/cgi-bin/*` path. */
export type UnknownApiResponse = 'not-found' | { errcode: number; errmsg?: string };

/** Options of {@link buildSandboxApp}. */
export interface SandboxAppOptions {
  /** The directory: a fixture object or the path of a JSON file. Default: {@link demoDirectory}. */
  fixture?: DirectoryFixtureInput | string;
  /** Makes tokens, codes, session keys and hint ids reproducible. */
  seed?: string | number;
  /** `live` (default): errmsg with hint, caller IP and link; `doc`: bare text as in the docs. */
  errmsgStyle?: ErrmsgStyle;
  /** Rate and concurrency limits; each defaults to {@link DEFAULT_RATE_LIMITS}. */
  limits?: Partial<RateLimits>;
  /** `remaining` (default): gettoken's expires_in counts down on repeat calls; `fixed`: always the lifetime. */
  tokenExpiresIn?: 'remaining' | 'fixed';
  /** Token lifetime in seconds. Default 7200. */
  tokenLifetimeSeconds?: number;
  /** errcode of user/get for a member outside the app's visible range. Default 60011. */
  invisibleUserErrcode?: 60011 | 60111;
  /** Unknown `/cgi-bin/*` path: HTTP 404 (default) or a JSON errcode. */
  unknownApi?: UnknownApiResponse;
  /** `true` for Fastify's default pino logger, or a logger instance. Query secrets are masked in log lines. */
  logger?: boolean | FastifyBaseLogger;
  /** The phone-simulator page at `/`: the gateway it talks to by default (`{ gatewayUrl }`). */
  simulator?: SimulatorOptions;
  /** Third-party apps (suites) the sandbox plays the provider platform for, e.g. `[demoSuite]`. Default none. */
  suites?: readonly SuiteOptions[];
  /**
   * Whether the successes of `service/get_suite_token` and `service/get_corp_token` carry `errcode: 0, errmsg: "ok"`
   * (`zero`) or no errcode at all (`omit`, default: "因历史原因，该接口在调用失败时才返回errcode", as seen live).
   */
  suiteTokenErrcode?: 'omit' | 'zero';
}

export interface ResolvedSandboxOptions {
  directory: DirectoryFixture;
  seed: string | number | undefined;
  errmsgStyle: ErrmsgStyle;
  limits: RateLimits;
  tokenExpiresIn: 'remaining' | 'fixed';
  tokenLifetimeSeconds: number;
  invisibleUserErrcode: 60011 | 60111;
  unknownApi: UnknownApiResponse;
  suites: SuiteFixture[];
  suiteTokenErrcode: 'omit' | 'zero';
}

function loadFixtureFile(path: string): DirectoryFixture {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new SandboxError('invalid_fixture', `cannot read fixture file ${path}`, { cause: error });
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new SandboxError('invalid_fixture', `fixture file ${path} is not valid JSON`, { cause: error });
  }
  return parseDirectory(json, `fixture file ${path}`);
}

function positiveInteger(value: unknown, name: string): void {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1) {
    throw new TypeError(`${name} must be a positive integer`);
  }
}

/** Checks options (TypeError on misuse), loads and validates the fixture (SandboxError `invalid_fixture`). */
export function resolveSandboxOptions(options: SandboxAppOptions): ResolvedSandboxOptions {
  const { errmsgStyle = 'live', tokenExpiresIn = 'remaining', tokenLifetimeSeconds = 7200 } = options;
  if (errmsgStyle !== 'live' && errmsgStyle !== 'doc')
    throw new TypeError("errmsgStyle must be 'live' or 'doc'");
  if (tokenExpiresIn !== 'remaining' && tokenExpiresIn !== 'fixed') {
    throw new TypeError("tokenExpiresIn must be 'remaining' or 'fixed'");
  }
  positiveInteger(tokenLifetimeSeconds, 'tokenLifetimeSeconds');
  const invisibleUserErrcode = options.invisibleUserErrcode ?? 60011;
  if (invisibleUserErrcode !== 60011 && invisibleUserErrcode !== 60111) {
    throw new TypeError('invisibleUserErrcode must be 60011 or 60111');
  }
  const limits: RateLimits = { ...DEFAULT_RATE_LIMITS };
  for (const [name, value] of Object.entries(options.limits ?? {})) {
    if (!(name in DEFAULT_RATE_LIMITS)) throw new TypeError(`limits.${name} is not a known limit`);
    positiveInteger(value, `limits.${name}`);
    limits[name as keyof RateLimits] = value;
  }
  const unknownApi = options.unknownApi ?? 'not-found';
  if (
    unknownApi !== 'not-found' &&
    (typeof unknownApi !== 'object' || !Number.isInteger(unknownApi.errcode))
  ) {
    throw new TypeError("unknownApi must be 'not-found' or { errcode: number, errmsg?: string }");
  }
  const seed = options.seed;
  if (seed !== undefined && typeof seed !== 'string' && typeof seed !== 'number') {
    throw new TypeError('seed must be a string or a number');
  }
  const { fixture } = options;
  const directory =
    fixture === undefined
      ? demoDirectory
      : typeof fixture === 'string'
        ? loadFixtureFile(fixture)
        : isGeneratedDirectory(fixture)
          ? fixture
          : parseDirectory(fixture);
  const suiteTokenErrcode = options.suiteTokenErrcode ?? 'omit';
  if (suiteTokenErrcode !== 'omit' && suiteTokenErrcode !== 'zero') {
    throw new TypeError("suiteTokenErrcode must be 'omit' or 'zero'");
  }
  if (options.suites !== undefined && !Array.isArray(options.suites)) {
    throw new TypeError('suites must be an array of suites');
  }
  const suites = options.suites === undefined ? [] : parseSuites(options.suites, directory);
  return {
    directory,
    seed,
    errmsgStyle,
    limits,
    tokenExpiresIn,
    tokenLifetimeSeconds,
    invisibleUserErrcode,
    unknownApi,
    suites,
    suiteTokenErrcode,
  };
}
