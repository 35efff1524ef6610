/**
 * `configuration`: the settings load and validate exactly as `serve` loads them (environment over `--config`), and
 * name the corps to check, or the third-party app. In sandbox mode (no credentials) the doctor starts a sandbox of its
 * own, on a free port, with the demo corps (or, with `SANDBOX_APP=suite`, the demo third-party app) `serve` would use.
 */
import { ConfigError, type GatewayConfig, loadConfig } from '../../config/load-config.js';
import { describeRedis } from '../../config/store-config.js';
import { createLogger } from '../../observability/logger.js';
import { resolveUpstream } from '../../sandbox-mode.js';
import type { SetupCheck } from '../doctor-check.js';
import type { DoctorContext, DoctorUpstream } from '../doctor-context.js';

/** The store in a few words, the Redis URL by its host only (it may carry a password). */
export function describeStore(config: GatewayConfig): string {
  return describeRedis(config) ?? `SQLite file ${config.dbPath}`;
}

async function upstreamOf(context: DoctorContext, config: GatewayConfig): Promise<DoctorUpstream> {
  if (config.credentials) {
    return {
      mode: 'wecom',
      corps: config.credentials.corps,
      suite: undefined,
      miniProgramAppId: config.credentials.miniProgramAppId,
      apiBase: config.apiBase,
      servedSandboxUrl: undefined,
    };
  }
  if (config.suite) {
    return {
      mode: 'wecom',
      corps: [],
      suite: config.suite.suite,
      miniProgramAppId: config.suite.miniProgramAppId,
      apiBase: config.apiBase,
      servedSandboxUrl: undefined,
    };
  }
  // A sandbox of the doctor's own on a free port: one `serve` runs may hold the configured port.
  const upstream = await resolveUpstream({ ...config, sandboxPort: 0 }, createLogger({ level: 'silent' }));
  const sandbox = upstream.sandbox;
  if (sandbox !== undefined) context.onClose(() => sandbox.close());
  const host = config.host === '0.0.0.0' || config.host === '::' ? '127.0.0.1' : config.host;
  return {
    mode: 'sandbox',
    corps: upstream.corps,
    suite: upstream.suite,
    miniProgramAppId: upstream.miniProgramAppId,
    apiBase: upstream.apiBase,
    servedSandboxUrl: `http://${host.includes(':') ? `[${host}]` : host}:${config.sandboxPort}`,
  };
}

/** The setting a validation problem names: the text before its first colon (`WECOM_CORPS[1].secret`). */
function settingOf(problem: string): string {
  return problem.split(':')[0]?.split(' ')[0] ?? problem;
}

export const configurationCheck: SetupCheck = {
  id: 'configuration',
  title: 'Configuration',
  scope: 'setup',
  needs: [],
  async run(context) {
    let config: GatewayConfig;
    try {
      config = loadConfig({
        env: context.input.env,
        ...(context.input.configFile === undefined ? {} : { configFile: context.input.configFile }),
      });
    } catch (error) {
      if (!(error instanceof ConfigError)) throw error;
      return {
        verdict: 'fail',
        summary: `The configuration is invalid (${error.problems.length} problem${error.problems.length === 1 ? '' : 's'}): serve refuses to start with it.`,
        details: error.problems,
        fix: {
          text: 'Correct each setting listed (the README lists every setting and its format).',
          settings: [...new Set(error.problems.map(settingOf))],
        },
      };
    }
    const upstream = await upstreamOf(context, config);
    context.configure(config, upstream);
    if (upstream.suite !== undefined) {
      return {
        verdict: 'pass',
        summary:
          upstream.mode === 'sandbox'
            ? `Sandbox mode as the demo third-party app (SANDBOX_APP=suite): checking a sandbox with the suite ${upstream.suite.suiteId}.`
            : `Third-party app ${upstream.suite.suiteId}, mini program ${upstream.miniProgramAppId}, ${describeStore(config)}.`,
      };
    }
    const corps = upstream.corps.map((corp) => corp.corpId).join(', ');
    const plural = upstream.corps.length === 1 ? '' : 's';
    return {
      verdict: 'pass',
      summary:
        upstream.mode === 'sandbox'
          ? `Sandbox mode (no WeCom credentials): checking a sandbox with the demo corp${plural} ${corps}.`
          : `${upstream.corps.length} corp${plural} (${corps}), mini program ${upstream.miniProgramAppId}, ${describeStore(config)}.`,
    };
  },
};
