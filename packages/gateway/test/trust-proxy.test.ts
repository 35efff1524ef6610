/**
 * TRUST_PROXY decides whose `X-Forwarded-For` is believed. The login rate limit is keyed on the client address, so
 * with a limit of one login a minute a second request from the same client is 429 and one from another is not.
 */

import { type GatewayUnderTest, startGatewayUnderTest } from '@wecom-auth/testing';
import { afterEach, describe, expect, it } from 'vitest';

let t: GatewayUnderTest | undefined;
afterEach(async () => {
  await t?.close();
  t = undefined;
});

async function gatewayTrusting(trustProxy: string): Promise<GatewayUnderTest> {
  t = await startGatewayUnderTest({ env: { TRUST_PROXY: trustProxy, LOGIN_RATE_LIMIT: '1' } });
  return t;
}

/** The status of a login (an empty body: 400 when let through) from a peer, with a forwarded-for header. */
async function loginStatus(gateway: GatewayUnderTest, peer: string, forwardedFor?: string): Promise<number> {
  const answer = await gateway.gateway.app.inject({
    method: 'POST',
    url: '/v1/sessions',
    remoteAddress: peer,
    headers: forwardedFor === undefined ? {} : { 'x-forwarded-for': forwardedFor },
    payload: {},
  });
  return answer.statusCode;
}

describe('TRUST_PROXY', () => {
  it('false: the peer is the client, whatever it forwards', async () => {
    const gateway = await gatewayTrusting('false');
    expect(await loginStatus(gateway, '198.51.100.7', '203.0.113.1')).toBe(400);
    expect(await loginStatus(gateway, '198.51.100.7', '203.0.113.2')).toBe(429);
    expect(await loginStatus(gateway, '198.51.100.8', '203.0.113.1')).toBe(400);
  });

  it('true: the first forwarded address is the client', async () => {
    const gateway = await gatewayTrusting('true');
    expect(await loginStatus(gateway, '10.0.0.2', '203.0.113.1')).toBe(400);
    expect(await loginStatus(gateway, '10.0.0.2', '203.0.113.2')).toBe(400);
    expect(await loginStatus(gateway, '10.0.0.3', '203.0.113.1')).toBe(429);
  });

  it('a hop count: the address the nearest proxy saw, not what the client forged before it', async () => {
    const gateway = await gatewayTrusting('1');
    expect(await loginStatus(gateway, '10.0.0.2', 'forged-1, 203.0.113.1')).toBe(400);
    expect(await loginStatus(gateway, '10.0.0.2', 'forged-2, 203.0.113.1')).toBe(429);
    expect(await loginStatus(gateway, '10.0.0.2', 'forged-1, 203.0.113.2')).toBe(400);
  });

  it('proxy addresses: believed from the listed proxies, ignored from a client that connects directly', async () => {
    const gateway = await gatewayTrusting('10.0.0.0/8, 192.0.2.1');
    expect(await loginStatus(gateway, '10.1.2.3', '203.0.113.1')).toBe(400);
    expect(await loginStatus(gateway, '192.0.2.1', '203.0.113.2')).toBe(400);
    expect(await loginStatus(gateway, '10.1.2.3', '203.0.113.2')).toBe(429);
    // A direct client that forges the header is limited on its own address.
    expect(await loginStatus(gateway, '198.51.100.7', '203.0.113.3')).toBe(400);
    expect(await loginStatus(gateway, '198.51.100.7', '203.0.113.4')).toBe(429);
  });
});
