import { Writable } from 'node:stream';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { buildSandboxApp } from '../src/index.js';
import { DEMO_SECRET, get, tokenOf } from './inject-client.js';

describe('logging', () => {
  it('logs each API call with secrets masked', async () => {
    const lines: string[] = [];
    const sink = new Writable({
      write(chunk: Buffer, _encoding, done) {
        lines.push(chunk.toString('utf8'));
        done();
      },
    });
    const app = buildSandboxApp({ logger: pino({ level: 'info' }, sink) });
    const token = await tokenOf(app);
    const { code } = app.sandboxControl.login({ userid: 'zhangsan' });
    const session = await get(
      app,
      `/cgi-bin/miniprogram/jscode2session?access_token=${token}&js_code=${code}&grant_type=authorization_code`,
    );
    await get(app, '/cgi-bin/gettoken?corpid=wwdemo0000000001&corpsecret=a-wrong-secret');
    const text = lines.join('');
    const calls = lines.map((line) => JSON.parse(line) as { msg: string; path?: string; errcode?: number });
    expect(
      calls.filter((entry) => entry.msg === 'api call').map((entry) => [entry.path, entry.errcode]),
    ).toEqual([
      ['/cgi-bin/gettoken', 0],
      ['/cgi-bin/miniprogram/jscode2session', 0],
      ['/cgi-bin/gettoken', 40001],
    ]);
    for (const secret of [token, code, DEMO_SECRET, 'a-wrong-secret', String(session.body.session_key)]) {
      expect(text).not.toContain(secret);
    }
    // No part of a secret either: not even its first characters.
    const queries = lines
      .map((line) => JSON.parse(line) as { msg: string; query?: Record<string, string> })
      .filter((entry) => entry.msg === 'api call')
      .map((entry) => entry.query);
    expect(queries).toEqual([
      { corpid: 'wwdemo0000000001', corpsecret: '…' },
      { access_token: '…', js_code: '…', grant_type: 'authorization_code' },
      { corpid: 'wwdemo0000000001', corpsecret: '…' },
    ]);
  });
});
