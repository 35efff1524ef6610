import { connect } from 'node:net';
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSandbox, type Sandbox } from '../src/index.js';

const TOKEN_PATH = '/cgi-bin/gettoken?corpid=wwdemo0000000001&corpsecret=demo-secret-change-me';

describe('faults on the wire', () => {
  let sandbox: Sandbox;
  beforeAll(async () => {
    sandbox = await createSandbox({ port: 0, seed: 5 });
  });
  afterAll(async () => {
    await sandbox.close();
  });

  it('listens on 127.0.0.1 with a random port', () => {
    expect(sandbox.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
  });

  it('drop destroys the connection without an answer', async () => {
    sandbox.control.addFault({ path: '/cgi-bin/gettoken', drop: true, count: 1 });
    await expect(fetch(`${sandbox.url}${TOKEN_PATH}`)).rejects.toThrowError(TypeError);
    const ok = await fetch(`${sandbox.url}${TOKEN_PATH}`);
    expect(((await ok.json()) as { errcode: number }).errcode).toBe(0);
    const recent = sandbox.control.calls().recent;
    expect(recent.at(-2)).toMatchObject({ path: '/cgi-bin/gettoken', httpStatus: 0, errcode: null });
  });

  it('malformed answers 200 with a truncated JSON body', async () => {
    sandbox.control.addFault({ path: '/cgi-bin/gettoken', malformed: true, count: 1 });
    const res = await request(`${sandbox.url}${TOKEN_PATH}`);
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toBe('application/json; charset=utf-8');
    const text = await res.body.text();
    expect(text.length).toBeGreaterThan(0);
    expect(() => JSON.parse(text)).toThrowError(SyntaxError);
  });

  it('delay holds the answer back (client timeout fires first), then answers normally', async () => {
    sandbox.control.addFault({ path: '/cgi-bin/gettoken', delayMs: 1500, count: 1 });
    await expect(
      fetch(`${sandbox.url}${TOKEN_PATH}`, { signal: AbortSignal.timeout(200) }),
    ).rejects.toThrowError(/aborted|timeout/i);
    sandbox.control.addFault({ path: '/cgi-bin/gettoken', delayMs: 200, errcode: -1, count: 1 });
    const late = await fetch(`${sandbox.url}${TOKEN_PATH}`);
    expect(((await late.json()) as { errcode: number }).errcode).toBe(-1);
  });

  it('answers raw non-UTF-8 and odd requests without a 5xx', async () => {
    const { hostname, port } = new URL(sandbox.url);
    const rawStatus = (bytes: Buffer): Promise<number> =>
      new Promise((resolve, reject) => {
        const socket = connect(Number(port), hostname, () => socket.end(bytes));
        let text = '';
        socket.on('data', (chunk: Buffer) => {
          text += chunk.toString('latin1');
        });
        socket.on('error', reject);
        socket.on('close', () => resolve(Number(/^HTTP\/1\.1 (\d{3})/.exec(text)?.[1] ?? 0)));
      });
    const requests = [
      Buffer.concat([
        Buffer.from('GET /cgi-bin/user/get?userid='),
        Buffer.from([0xff, 0xfe, 0xc3]),
        Buffer.from('&access_token=%FF%FE HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n'),
      ]),
      Buffer.from(
        'GET /cgi-bin/gettoken?corpid=%E4%B8&corpid=a&corpsecret[]=b HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n',
      ),
      Buffer.concat([
        Buffer.from('POST /cgi-bin/user/convert_to_openid?access_token=x HTTP/1.1\r\nHost: x\r\n'),
        Buffer.from(
          'Content-Type: application/json; charset=gbk\r\nContent-Length: 4\r\nConnection: close\r\n\r\n',
        ),
        Buffer.from([0x7b, 0xff, 0xfe, 0x7d]),
      ]),
      Buffer.from(
        'POST /__sandbox/login HTTP/1.1\r\nHost: x\r\nContent-Type: text/xml\r\nContent-Length: 3\r\nConnection: close\r\n\r\n<a>',
      ),
    ];
    for (const bytes of requests) {
      const status = await rawStatus(bytes);
      expect(status).toBeGreaterThanOrEqual(200);
      expect(status).toBeLessThan(500);
    }
  });

  it('close is idempotent and stops listening', async () => {
    const other = await createSandbox();
    await Promise.all([other.close(), other.close()]);
    await expect(fetch(`${other.url}${TOKEN_PATH}`)).rejects.toThrowError(TypeError);
  });

  it('rejects bad listen options with exact TypeErrors', async () => {
    await expect(createSandbox({ port: 70_000 })).rejects.toThrowError(
      new TypeError('port must be an integer between 0 and 65535'),
    );
    await expect(createSandbox({ host: '' })).rejects.toThrowError(
      new TypeError('host must be a non-empty string'),
    );
  });
});
