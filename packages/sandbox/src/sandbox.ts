import type { AddressInfo } from 'node:net';
import { buildSandboxApp } from './app.js';
import type { SandboxControl } from './sandbox-control.js';
import type { SandboxAppOptions } from './sandbox-options.js';

/** Options of {@link createSandbox}: the app options plus where to listen. */
export interface SandboxOptions extends SandboxAppOptions {
  /** TCP port; 0 (default) picks a free one. */
  port?: number;
  /** Interface to bind. Default `127.0.0.1`. */
  host?: string;
}

/** A listening sandbox. */
export interface Sandbox {
  /** Base URL, e.g. `http://127.0.0.1:54321` (no trailing slash). */
  url: string;
  /** In-process control handle: the same operations as `/__sandbox/*`. */
  control: SandboxControl;
  /** Stops listening and closes open connections. */
  close(): Promise<void>;
}

/**
 * Starts a WeCom API sandbox over real HTTP.
 *
 * @example
 * ```ts
 * const sandbox = await createSandbox({ port: 0, seed: 42 });
 * const { code } = sandbox.control.login({ userid: 'zhangsan' });
 * const res = await fetch(`${sandbox.url}/cgi-bin/gettoken?corpid=wwdemo0000000001&corpsecret=demo-secret-change-me`);
 * await sandbox.close();
 * ```
 */
export async function createSandbox(options: SandboxOptions = {}): Promise<Sandbox> {
  const { port = 0, host = '127.0.0.1', ...appOptions } = options;
  if (!Number.isInteger(port) || port < 0 || port > 65_535) {
    throw new TypeError('port must be an integer between 0 and 65535');
  }
  if (typeof host !== 'string' || host === '') throw new TypeError('host must be a non-empty string');
  const app = buildSandboxApp(appOptions);
  await app.listen({ port, host });
  const address = app.server.address() as AddressInfo;
  const hostForUrl = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  let closed: Promise<void> | undefined;
  return {
    url: `http://${hostForUrl}:${address.port}`,
    control: app.sandboxControl,
    close: () => {
      closed ??= app.close().then(() => undefined);
      return closed;
    },
  };
}
