/**
 * Sandbox mode, in one place: a gateway configured without WeCom credentials runs against a local WeCom sandbox
 * with a demo corp. This module decides it (no `credentials` in the configuration), starts the sandbox, supplies the
 * demo app's credentials, the simulator page's CORS origins and generated callback settings, and points the
 * sandbox's callbacks at the gateway. Nothing else in the gateway knows about the sandbox.
 *
 * `@wecom-auth/sandbox` is imported here only, dynamically, and only in sandbox mode: a production deployment never
 * loads emulator code, and the gateway's package declares it an optional peer dependency, so a production install
 * does not even have it. Sandbox mode without it stops with a message saying what to install.
 */
import { randomInt } from 'node:crypto';
import type { Logger } from 'pino';
import type { CallbackSettings } from './callbacks/callback-settings.js';
import type { CorpConfig } from './config/corps.js';
import { dataKeyringOf } from './config/data-keys.js';
import type { GatewayConfig } from './config/load-config.js';
import type { SuiteConfig } from './config/suite.js';
import type { DataKeyring } from './sessions/data-keyring.js';

type SandboxModule = typeof import('@wecom-auth/sandbox');

/** The sandbox as a running gateway uses it. */
export interface SandboxUpstream {
  readonly url: string;
  /** The phone-simulator page is served by the sandbox (another origin) and calls the gateway from the browser. */
  readonly corsOrigins: readonly string[];
  /** Points each demo corp's callbacks at the gateway (`/v1/callback/{corpId}`); a failure is logged, not fatal. */
  connectCallbacks(gatewayUrl: string, settings: readonly CallbackSettings[]): Promise<void>;
  close(): Promise<void>;
}

/** Where the gateway's WeCom calls go, with the credentials they use. */
export interface Upstream {
  /**
   * The self-built apps' corps, the default first (in sandbox mode: the demo corp and its subsidiary, with
   * callbacks); empty for a third-party app.
   */
  readonly corps: readonly CorpConfig[];
  /** The third-party app the gateway runs as, when it runs as one. */
  readonly suite: SuiteConfig | undefined;
  readonly miniProgramAppId: string;
  readonly apiBase: string;
  /** Set in sandbox mode only. */
  readonly sandbox: SandboxUpstream | undefined;
}

async function loadSandbox(): Promise<SandboxModule> {
  try {
    return await import('@wecom-auth/sandbox');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ERR_MODULE_NOT_FOUND' && String((error as Error).message).includes('@wecom-auth/sandbox')) {
      throw new Error(
        'sandbox mode (no WECOM_CORP_ID/WECOM_SECRET) needs the @wecom-auth/sandbox package: npm install @wecom-auth/sandbox, or configure WeCom credentials',
        { cause: error },
      );
    }
    throw error;
  }
}

const alphanumeric = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

function randomAlphanumeric(length: number): string {
  let text = '';
  for (let i = 0; i < length; i++) text += alphanumeric[randomInt(alphanumeric.length)];
  return text;
}

/** A host as it appears in a URL (IPv6 in brackets; the wildcard addresses as the loopback a browser can reach). */
function urlHost(host: string): string {
  if (host === '0.0.0.0' || host === '::') return '127.0.0.1';
  return host.includes(':') ? `[${host}]` : host;
}

/**
 * Callback settings made up at start, so that `npm start` delivers contact changes end to end with nothing configured.
 */
function generatedCallback(): CorpConfig['callback'] {
  return { token: randomAlphanumeric(32), encodingAESKey: randomAlphanumeric(43) };
}

/**
 * WeCom itself with the configured credentials, or in sandbox mode a sandbox started here with the demo corp and its
 * subsidiary, both associated with the demo mini program (the default corp first).
 */
export async function resolveUpstream(config: GatewayConfig, logger: Logger): Promise<Upstream> {
  if (config.credentials) {
    return { ...config.credentials, suite: undefined, apiBase: config.apiBase, sandbox: undefined };
  }
  if (config.suite) {
    return {
      corps: [],
      suite: config.suite.suite,
      miniProgramAppId: config.suite.miniProgramAppId,
      apiBase: config.apiBase,
      sandbox: undefined,
    };
  }
  const sandboxModule = await loadSandbox();
  const { createSandbox, DEMO_MINI_PROGRAM_APP_ID, demoSuite } = sandboxModule;
  const asSuite = config.sandboxApp === 'suite';
  const sandbox = await createSandbox({
    port: config.sandboxPort,
    host: config.sandboxHost,
    logger: logger.child({ component: 'sandbox' }),
    // The phone-simulator page at the sandbox's `/` talks to this gateway.
    simulator: { gatewayUrl: `http://${urlHost(config.host)}:${config.port}` },
    // As a third-party app, the demo corps install it through the instruction callback once the gateway listens,
    // so the whole flow (ticket, create_auth, permanent code) runs on every start.
    ...(asSuite ? { suites: [{ ...demoSuite, installs: [] }] } : {}),
  });
  const { port } = new URL(sandbox.url);
  const corsOrigins = [sandbox.url, `http://localhost:${port}`, `http://127.0.0.1:${port}`];
  const close = () => sandbox.close();
  if (asSuite) {
    return {
      corps: [],
      suite: {
        suiteId: demoSuite.suiteId,
        suiteSecret: demoSuite.suiteSecret,
        token: demoSuite.token,
        encodingAESKey: demoSuite.encodingAESKey,
      },
      miniProgramAppId: demoSuite.miniProgramAppId,
      apiBase: sandbox.url,
      sandbox: {
        url: sandbox.url,
        corsOrigins,
        async connectCallbacks(gatewayUrl) {
          // WeCom's order: the provider sets the instruction callback URL (verified, then a ticket is pushed), then
          // corps install the app (create_auth). A failure is logged: the gateway itself keeps running.
          try {
            await sandbox.control.suites.setCallback(demoSuite.suiteId, {
              url: `${gatewayUrl}/v1/suite/callback`,
            });
            for (const corpid of demoSuite.installs) {
              await sandbox.control.suites.install(demoSuite.suiteId, { corpid });
            }
          } catch (error) {
            logger.warn({ err: { message: (error as Error).message } }, 'sandbox suite setup failed');
          }
        },
        close,
      },
    };
  }
  const { DEMO_APP, DEMO_CORP_ID, SUBSIDIARY_APP, SUBSIDIARY_CORP_ID } = sandboxModule;
  const apps = [
    { corpId: DEMO_CORP_ID, ...DEMO_APP },
    { corpId: SUBSIDIARY_CORP_ID, ...SUBSIDIARY_APP },
  ];
  return {
    corps: apps.map(({ corpId, secret }) => ({ corpId, secret, callback: generatedCallback() })),
    suite: undefined,
    miniProgramAppId: DEMO_MINI_PROGRAM_APP_ID,
    apiBase: sandbox.url,
    sandbox: {
      url: sandbox.url,
      corsOrigins,
      async connectCallbacks(gatewayUrl, settings) {
        // The sandbox verifies each URL first, as WeCom does; the gateway itself works without callbacks.
        for (const callback of settings) {
          const app = apps.find((candidate) => candidate.corpId === callback.corpId);
          if (app === undefined) continue;
          try {
            await sandbox.control.setCallback({
              corpid: callback.corpId,
              agentId: app.agentId,
              url: `${gatewayUrl}/v1/callback/${callback.corpId}`,
              token: callback.token,
              encodingAESKey: callback.encodingAESKey,
            });
          } catch (error) {
            logger.warn(
              { corpId: callback.corpId, err: { message: (error as Error).message } },
              'sandbox callback setup failed',
            );
          }
        }
      },
      close,
    },
  };
}

/**
 * A third-party app's secret as a source of the data keyring: with `WECOM_AUTH_DATA_KEY` unset the data key derives
 * from it, as it derives from the default corp's secret for self-built apps. Its rotation is a data key rotation
 * (`WECOM_AUTH_DATA_KEY_FALLBACKS`).
 */
export function suiteKeySource(suite: Pick<SuiteConfig, 'suiteId' | 'suiteSecret'>): CorpConfig {
  return {
    corpId: suite.suiteId,
    secret: suite.suiteSecret,
    settingNames: {
      corpId: 'WECOM_SUITE_ID',
      secret: 'WECOM_SUITE_SECRET',
      previousSecrets: 'WECOM_AUTH_DATA_KEY_FALLBACKS',
      callback: 'WECOM_SUITE_TOKEN and WECOM_SUITE_AES_KEY',
    },
    callback: undefined,
  };
}

/** The third-party app a configuration runs as (the demo suite in sandbox mode with `SANDBOX_APP=suite`), if any. */
export async function upstreamSuiteId(config: GatewayConfig): Promise<string | undefined> {
  if (config.suite !== undefined) return config.suite.suite.suiteId;
  if (config.credentials !== undefined || config.sandboxApp !== 'suite') return undefined;
  return (await loadSandbox()).demoSuite.suiteId;
}

/**
 * The data keyring of the gateway a configuration describes, without starting anything: its data keys and the
 * corps' secrets, or in sandbox mode the demo apps' (what `rotate-keys` and `rotate-data-key` need to open what a
 * gateway sealed).
 */
export async function upstreamDataKeyring(config: GatewayConfig): Promise<DataKeyring> {
  let corps: readonly CorpConfig[] | undefined = config.credentials?.corps;
  if (config.suite !== undefined) {
    corps = [suiteKeySource(config.suite.suite)];
  } else if (corps === undefined) {
    const sandbox = await loadSandbox();
    corps =
      config.sandboxApp === 'suite'
        ? [suiteKeySource(sandbox.demoSuite)]
        : [
            { corpId: sandbox.DEMO_CORP_ID, secret: sandbox.DEMO_APP.secret, callback: undefined },
            {
              corpId: sandbox.SUBSIDIARY_CORP_ID,
              secret: sandbox.SUBSIDIARY_APP.secret,
              callback: undefined,
            },
          ];
  }
  return dataKeyringOf({ dataKey: config.dataKey, dataKeyFallbacks: config.dataKeyFallbacks, corps });
}

/** The lines `wecom-auth serve` prints in sandbox mode: where the sandbox and the simulator are, how to log in. */
export function sandboxBanner(
  gatewayUrl: string,
  sandboxUrl: string,
  app: 'self-built' | 'suite' = 'self-built',
): string[] {
  if (app === 'suite') {
    return [
      `  WeCom sandbox       ${sandboxUrl}   (sandbox mode, as the demo third-party app wwsuitedemo00001)`,
      `  Phone simulator     ${sandboxUrl}/   (the suite panel shows the ticket and the installs)`,
      `  Instruction callback ${gatewayUrl}/v1/suite/callback   (ticket pushed, demo corps installed)`,
      '',
      "  Log in as the demo employee zhangsan through the suite's mini program:",
      `    code=$(curl -s -X POST ${sandboxUrl}/__sandbox/login -H 'content-type: application/json' -d '{"userid":"zhangsan","suiteId":"wwsuitedemo00001"}' | sed 's/.*"code":"\\([^"]*\\)".*/\\1/')`,
      `    curl -s -X POST ${gatewayUrl}/v1/sessions -H 'content-type: application/json' -d "{\\"code\\":\\"$code\\"}"`,
    ];
  }
  return [
    `  WeCom sandbox       ${sandboxUrl}   (sandbox mode: no WeCom credentials configured)`,
    `  Phone simulator     ${sandboxUrl}/   (open it in a browser: pick an employee, open the mini program)`,
    '',
    '  Log in as the demo employee zhangsan:',
    `    code=$(curl -s -X POST ${sandboxUrl}/__sandbox/login -H 'content-type: application/json' -d '{"userid":"zhangsan"}' | sed 's/.*"code":"\\([^"]*\\)".*/\\1/')`,
    `    curl -s -X POST ${gatewayUrl}/v1/sessions -H 'content-type: application/json' -d "{\\"code\\":\\"$code\\"}"`,
  ];
}

/** Options of {@link startStandaloneSandbox}: the `wecom-auth sandbox` command's. */
export interface StandaloneSandboxOptions {
  readonly port: number;
  readonly host: string;
  readonly fixture?: string;
  readonly seed?: string;
}

/** The sandbox alone, without a gateway (`wecom-auth sandbox`). */
export async function startStandaloneSandbox(
  options: StandaloneSandboxOptions,
): Promise<{ readonly url: string; close(): Promise<void> }> {
  const { createSandbox } = await loadSandbox();
  return createSandbox({
    port: options.port,
    host: options.host,
    ...(options.fixture ? { fixture: options.fixture } : {}),
    ...(options.seed ? { seed: options.seed } : {}),
  });
}
