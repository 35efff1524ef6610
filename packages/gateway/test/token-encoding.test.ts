/**
 * A token is accepted in exactly one spelling. The last base64url character of an ES256 signature carries 2 bits
 * and 4 unused ones; a decoder ignores those, so a signature whose last character differs only in them decodes to
 * the same bytes. Such a token is refused on its first verification and when the canonical one is already cached.
 */

import { type GatewayUnderTest, startGatewayUnderTest } from '@wecom-auth/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';

/** The same token with the unused low bits of its last character set differently (`…Qg` → `…Qh`). */
function withLowBitsFlipped(token: string): string {
  const last = token.at(-1) ?? '';
  const flipped = alphabet[alphabet.indexOf(last) ^ 0b0001];
  return `${token.slice(0, -1)}${flipped}`;
}

describe('access token encoding', () => {
  let t: GatewayUnderTest;
  beforeAll(async () => {
    t = await startGatewayUnderTest();
  });
  afterAll(() => t.close());

  it('flips only bits the decoder ignores', async () => {
    const token = (await t.login('zhangsan')).accessToken as string;
    const variant = withLowBitsFlipped(token);
    expect(variant).not.toBe(token);
    const signatureOf = (text: string): Buffer => Buffer.from(text.split('.')[2] ?? '', 'base64url');
    expect(signatureOf(variant).equals(signatureOf(token))).toBe(true);
  });

  it('refuses the variant on its first verification, before the real token was seen', async () => {
    const token = (await t.login('zhangsan')).accessToken as string;
    const variant = withLowBitsFlipped(token);
    const verify = await t.call('GET', '/v1/verify', { token: variant });
    expect(verify.status).toBe(401);
    expect(verify.body).toMatchObject({ error: 'token_invalid' });
    expect((await t.call('GET', '/v1/me', { token: variant })).status).toBe(401);
    expect((await t.call('GET', '/v1/verify', { token })).status).toBe(204);
  });

  it('refuses the variant once the real token is cached (fast path and route)', async () => {
    const token = (await t.login('lisi')).accessToken as string;
    // The second answer comes from the verified-token cache, through the fast path.
    expect((await t.call('GET', '/v1/verify', { token })).status).toBe(204);
    expect((await t.call('GET', '/v1/verify', { token })).status).toBe(204);
    const variant = withLowBitsFlipped(token);
    for (let i = 0; i < 2; i++) {
      const verify = await t.call('GET', '/v1/verify', { token: variant });
      expect(verify.status).toBe(401);
      expect(verify.body).toMatchObject({ error: 'token_invalid' });
    }
    const me = await t.call('GET', '/v1/me', { token: variant });
    expect(me.status).toBe(401);
    expect((await t.call('GET', '/v1/me', { token })).status).toBe(200);
  });
});
