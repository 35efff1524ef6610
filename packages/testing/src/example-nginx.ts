/**
 * The example nginx configuration (examples/nginx/wecom-auth.conf) run by a real nginx, unprivileged, in front of a
 * test's gateway: for the tests that try the documented deployment from outside, as a client would.
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort } from './free-port.js';
import { eventually } from './poll.js';
import { serviceAvailable } from './service-guard.js';

const exampleConfig = fileURLToPath(new URL('../../../examples/nginx/wecom-auth.conf', import.meta.url));

/**
 * The nginx binary, or undefined when none is installed.
 *
 * @example
 * serviceAvailable('the nginx tests', findNginx() === undefined ? 'nginx is not installed' : undefined);
 */
export function findNginx(): string | undefined {
  for (const candidate of ['/usr/sbin/nginx', '/usr/local/sbin/nginx', '/usr/bin/nginx']) {
    if (existsSync(candidate)) return candidate;
  }
  try {
    return execFileSync('sh', ['-c', 'command -v nginx'], { encoding: 'utf8' }).trim() || undefined;
  } catch {
    return undefined;
  }
}

/**
 * The nginx binary for `suite`, or undefined when none is installed: the suite is then skipped visibly, or fails
 * under CI (see `serviceAvailable`).
 *
 * @example
 * const nginx = nginxForTests('the nginx forward-auth test');
 * describe.skipIf(nginx === undefined)('nginx in front of the gateway', () => { … });
 */
export function nginxForTests(suite: string): string | undefined {
  const binary = findNginx();
  serviceAvailable(
    suite,
    binary === undefined ? 'nginx is not installed (apt-get install nginx-light)' : undefined,
  );
  return binary;
}

/** The example, pointed at the test's gateway and upstream and listening on a spare loopback port. */
function siteConfig(gatewayUrl: string, upstreamPort: number, listenPort: number): string {
  const gateway = new URL(gatewayUrl).host;
  const text = readFileSync(exampleConfig, 'utf8');
  const adapted = text
    .replace('server 127.0.0.1:8080;', `server ${gateway};`)
    .replace('server 127.0.0.1:3000;', `server 127.0.0.1:${upstreamPort};`)
    .replace('listen 80;', `listen 127.0.0.1:${listenPort};`);
  if (adapted.includes(':8080;') || adapted.includes(':3000;') || adapted.includes('listen 80;')) {
    throw new Error('the example config changed shape; update example-nginx.ts');
  }
  return adapted;
}

/** A whole nginx.conf whose every path is inside `dir`, so it runs without root. */
function mainConfig(dir: string): string {
  const temp = (name: string): string => {
    mkdirSync(join(dir, name), { recursive: true });
    return join(dir, name);
  };
  return `worker_processes 1;
pid ${join(dir, 'nginx.pid')};
error_log ${join(dir, 'error.log')} warn;
events { worker_connections 1024; }
http {
  access_log off;
  client_body_temp_path ${temp('client_body')};
  proxy_temp_path ${temp('proxy')};
  fastcgi_temp_path ${temp('fastcgi')};
  uwsgi_temp_path ${temp('uwsgi')};
  scgi_temp_path ${temp('scgi')};
  include ${join(dir, 'site.conf')};
}
`;
}

/** A running nginx with the example configuration. */
export interface ExampleNginx {
  /** Where it listens: `http://127.0.0.1:<port>`. */
  readonly url: string;
  /** What nginx wrote so far. */
  readonly output: () => string;
  /** Stops nginx (SIGQUIT, a graceful stop) and removes its directory. */
  close(): Promise<void>;
}

/**
 * Starts `nginxBinary` with the example configuration in front of `gatewayUrl`, with `upstreamPort` as "your API";
 * resolves once it answers.
 *
 * @example
 * const nginx = await startExampleNginx(findNginx() as string, t.gateway.url, upstreamPort);
 * await fetch(`${nginx.url}/v1/sessions`, { method: 'POST', … });
 * await nginx.close();
 */
export async function startExampleNginx(
  nginxBinary: string,
  gatewayUrl: string,
  upstreamPort: number,
): Promise<ExampleNginx> {
  const dir = mkdtempSync(join(tmpdir(), 'wecom-auth-nginx-'));
  const port = await freePort();
  writeFileSync(join(dir, 'site.conf'), siteConfig(gatewayUrl, upstreamPort, port));
  writeFileSync(join(dir, 'nginx.conf'), mainConfig(dir));
  const nginx: ChildProcess = spawn(
    nginxBinary,
    ['-p', dir, '-c', join(dir, 'nginx.conf'), '-e', join(dir, 'error.log'), '-g', 'daemon off;'],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let output = '';
  nginx.stdout?.on('data', (chunk: Buffer) => {
    output += chunk.toString();
  });
  nginx.stderr?.on('data', (chunk: Buffer) => {
    output += chunk.toString();
  });
  const url = `http://127.0.0.1:${port}`;
  const close = async (): Promise<void> => {
    if (nginx.exitCode === null && nginx.signalCode === null) {
      const exited = new Promise<void>((resolve) => nginx.once('exit', () => resolve()));
      nginx.kill('SIGQUIT');
      await exited;
    }
    rmSync(dir, { recursive: true, force: true });
  };
  const up = await eventually(
    async () => {
      if (nginx.exitCode !== null) return true;
      return fetch(`${url}/v1/none`).then(
        () => true,
        () => false,
      );
    },
    10_000,
    50,
  );
  if (!up || nginx.exitCode !== null) {
    await close();
    throw new Error(`nginx did not start:\n${output}`);
  }
  return { url, output: () => output, close };
}
