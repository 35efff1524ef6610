/**
 * The documented deployment tried as an attacker would: the example nginx in front of a gateway with a login limit of
 * 5 a minute. A flood of logins from one client that writes a new `X-Forwarded-For` (and `X-Real-IP`) on every
 * request, with junk and plausible codes, is counted as that one client: five get through, the rest are 429, WeCom
 * sees at most five codes. A real employee, from another address, logs in right after. The nginx sets the header
 * rather than appending to it, so this holds with the documented `TRUST_PROXY=1`, and with the looser settings an
 * operator might choose too (any peer, the proxy's address).
 */

import { randomBytes, randomInt } from 'node:crypto';
import { request as httpRequest } from 'node:http';
import { DEMO_CORP_ID } from '@wecom-auth/sandbox';
import {
  type ExampleNginx,
  exchangeJson,
  type GatewayUnderTest,
  nginxForTests,
  startExampleNginx,
  startGatewayUnderTest,
} from '@wecom-auth/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const nginxBinary = nginxForTests('the nginx flood test');

const TOKEN = 'flood-admin-token-0123456789abcdefgh';

/** One login POST through nginx from `localAddress` (a loopback address of the test's choosing). */
function postLogin(
  url: string,
  body: unknown,
  options: { localAddress: string; headers?: Record<string, string> },
): Promise<{ status: number; body: Record<string, unknown> }> {
  const payload = JSON.stringify(body);
  return new Promise((resolve, reject) => {
    const outgoing = httpRequest(
      `${url}/v1/sessions`,
      {
        method: 'POST',
        localAddress: options.localAddress,
        agent: false,
        headers: {
          'content-type': 'application/json',
          'content-length': Buffer.byteLength(payload),
          ...options.headers,
        },
        timeout: 20_000,
      },
      (response) => {
        let text = '';
        response.setEncoding('utf8');
        response.on('data', (chunk: string) => {
          text += chunk;
        });
        response.on('end', () =>
          resolve({ status: response.statusCode ?? 0, body: JSON.parse(text) as Record<string, unknown> }),
        );
      },
    );
    outgoing.on('timeout', () => outgoing.destroy(new Error('login timed out')));
    outgoing.on('error', reject);
    outgoing.end(payload);
  });
}

const randomAddress = (): string =>
  `${randomInt(1, 224)}.${randomInt(256)}.${randomInt(256)}.${randomInt(1, 255)}`;

/** Junk a flood sends as codes, and codes of the right shape that WeCom never issued. */
function floodCode(index: number): string {
  switch (index % 4) {
    case 0:
      return 'x';
    case 1:
      return `${'🙂'.repeat(20)}`;
    case 2:
      return "' OR 1=1 --";
    default:
      return randomBytes(16).toString('hex');
  }
}

describe.skipIf(nginxBinary === undefined).each(['1', 'true', '127.0.0.1'])(
  'a login flood through the example nginx, TRUST_PROXY=%s',
  (trustProxy) => {
    let t: GatewayUnderTest;
    let nginx: ExampleNginx;

    beforeAll(async () => {
      t = await startGatewayUnderTest({
        env: {
          TRUST_PROXY: trustProxy,
          LOGIN_RATE_LIMIT: '5',
          WECOM_AUTH_ADMIN_TOKEN: TOKEN,
          ADMIN_PORT: '0',
          LOG_LEVEL: 'warn',
        },
      });
      // "Your API" is not called here: nginx needs an upstream to start.
      nginx = await startExampleNginx(nginxBinary as string, t.gateway.url, 9);
    });

    afterAll(async () => {
      await nginx?.close();
      await t?.close();
    });

    it('limits the spoofed addresses as one client, and a real employee logs in right after', async () => {
      t.sandbox.control.resetCalls();
      const flood = 300;
      const statuses: number[] = [];
      let next = 0;
      await Promise.all(
        Array.from({ length: 20 }, async () => {
          for (let index = next++; index < flood; index = next++) {
            const answer = await postLogin(
              nginx.url,
              { code: floodCode(index) },
              {
                localAddress: '127.0.0.1',
                headers: {
                  'x-forwarded-for': `${randomAddress()}, ${randomAddress()}`,
                  'x-real-ip': randomAddress(),
                },
              },
            );
            statuses.push(answer.status);
            if (answer.status === 429) expect(answer.body).toMatchObject({ error: 'rate_limited' });
          }
        }),
      );
      expect(statuses).toHaveLength(flood);
      // Five a minute from one client, whatever it forged.
      expect(statuses.filter((status) => status !== 429)).toHaveLength(5);
      expect(
        t.sandbox.control.calls().byPath['/cgi-bin/miniprogram/jscode2session'] ?? 0,
      ).toBeLessThanOrEqual(5);
      expect(t.sandbox.control.calls().byErrcode['45009']).toBeUndefined();

      // An employee on another address (127.0.0.2 on the loopback) is not held back by the flood.
      const employee = await postLogin(
        nginx.url,
        { code: t.code('zhangsan') },
        { localAddress: '127.0.0.2' },
      );
      expect(employee.status).toBe(201);

      // The gateway saw the flood's few refusals from the flooding client's real address, and the login from its own.
      await t.gateway.services.events.flush();
      const events = await exchangeJson(`${t.gateway.adminUrl}/admin/v1/events?limit=100`, {
        token: TOKEN,
        timeoutMs: 10_000,
      });
      const logged = (events.body?.events ?? []) as { type: string; clientIp: string; userId?: string }[];
      expect(logged.filter((event) => event.type === 'login.refused').map((event) => event.clientIp)).toEqual(
        Array(5).fill('127.0.0.1'),
      );
      expect(logged.find((event) => event.type === 'login.succeeded')).toMatchObject({
        userId: 'zhangsan',
        corpId: DEMO_CORP_ID,
        clientIp: '127.0.0.2',
      });
    }, 60_000);
  },
);
