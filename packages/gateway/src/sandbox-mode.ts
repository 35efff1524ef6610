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
import type { GatewayConfig } from './config/load-config.js';

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
  /** The corps served, the default first. In sandbox mode: the demo corp and its subsidiary, with callbacks. */
  readonly corps: readonly CorpConfig[];
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

/** Callback settings made up at start, so that `npm start` delivers contact changes end to end with nothing configured. */
function generatedCallback(): CorpConfig['callback'] {
  return { token: randomAlphanumeric(32), encodingAESKey: randomAlphanumeric(43) };
}

/**
 * WeCom itself with the configured credentials, or in sandbox mode a sandbox started here with the demo corp and its
 * subsidiary, both associated with the demo mini program (the default corp first).
 */
export async function resolveUpstream(config: GatewayConfig, logger: Logger): Promise<Upstream> {
  if (config.credentials) return { ...config.credentials, apiBase: config.apiBase, sandbox: undefined };
  const {
    createSandbox,
    DEMO_APP,
    DEMO_CORP_ID,
    DEMO_MINI_PROGRAM_APP_ID,
    SUBSIDIARY_APP,
    SUBSIDIARY_CORP_ID,
  } = await loadSandbox();
  // Its own interface, the loopback by default: its control API mints a login code for any employee, so a gateway
  // listening on every interface must not take the sandbox there with it.
  const sandbox = await createSandbox({
    port: config.sandboxPort,
    host: config.sandboxHost,
    logger: logger.child({ component: 'sandbox' }),
    // The phone-simulator page at the sandbox's `/` talks to this gateway.
    simulator: { gatewayUrl: `http://${urlHost(config.host)}:${config.port}` },
  });
  const { port } = new URL(sandbox.url);
  const apps = [
    { corpId: DEMO_CORP_ID, ...DEMO_APP },
    { corpId: SUBSIDIARY_CORP_ID, ...SUBSIDIARY_APP },
  ];
  return {
    corps: apps.map(({ corpId, secret }) => ({ corpId, secret, callback: generatedCallback() })),
    miniProgramAppId: DEMO_MINI_PROGRAM_APP_ID,
    apiBase: sandbox.url,
    sandbox: {
      url: sandbox.url,
      corsOrigins: [sandbox.url, `http://localhost:${port}`, `http://127.0.0.1:${port}`],
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
      close: () => sandbox.close(),
    },
  };
}

/**
 * The WeCom secret the gateway's data key derives from when `WECOM_AUTH_DATA_KEY` is unset: the default corp's, or
 * the demo app's in sandbox mode (what `rotate-keys` needs to open the signing keys a gateway sealed).
 */
export async function upstreamSecret(config: GatewayConfig): Promise<string> {
  const configured = config.credentials?.corps[0];
  if (configured) return configured.secret;
  return (await loadSandbox()).DEMO_APP.secret;
}

/** The lines `wecom-auth serve` prints in sandbox mode: where the sandbox and the simulator are, how to log in. */
export function sandboxBanner(gatewayUrl: string, sandboxUrl: string): string[] {
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
