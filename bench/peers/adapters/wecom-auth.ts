import { readFileSync } from 'node:fs';
import { createWecomClient } from '@wecom-auth/api';
import { employeeOf, type PeerLibrary } from '../login-wrapper.js';

// The workspace package's exports map hides package.json, so the version is read from the file itself.
const manifest = JSON.parse(
  readFileSync(new URL('../../../packages/api/package.json', import.meta.url), 'utf8'),
) as { version: string };

/** Our client: the `baseUrl` and `timeoutMs` options, everything else at its defaults. */
export const wecomAuth: PeerLibrary = {
  name: '@wecom-auth/api',
  version: manifest.version,
  redirect: '`baseUrl` option',
  flow: '`miniprogram.code2Session`, `user.get`',
  timeout: true,
  create(target) {
    const client = createWecomClient({
      corpId: target.corpId,
      secret: target.secret,
      baseUrl: target.baseUrl,
      timeoutMs: target.timeoutMs,
    });
    return {
      async login(code) {
        const session = await client.miniprogram.code2Session(code);
        return employeeOf(await client.user.get(session.userId));
      },
      close() {},
    };
  },
};
