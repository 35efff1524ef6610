/**
 * What the gateway makes of a decrypted `wx.qy.getMobile` / `getEmail` / `getEnterpriseUserInfo` disclosure.
 *
 * The client relays the ciphertext and chooses the IV, and AES-CBC decrypts the first block as `D(C1) XOR IV`: it
 * can rewrite the first 16 bytes of the plaintext (`{"mobile":"13800` into `{"mobile":"99999`, a mobile into an
 * email, another `corpid`) and no decryption notices. So a disclosure is the client's word. It is compared with
 * what WeCom attests server to server — the session's corp and userid (`jscode2session`) and the profile
 * (`user/get`) — and a contradiction refuses it; a value WeCom does not give is answered, and kept for the session,
 * marked as relayed by the client.
 */
import type { MiniProgramDisclosure } from '@wecom-auth/crypto';
import { GatewayError } from '../gateway-error.js';
import type { Employee } from './employee.js';

/** Where a value of a decrypt answer is backed: `wecom` when `user/get` gave the same, `client` when only relayed. */
export type DisclosureSource = 'wecom' | 'client';

/** The watermark as WeCom seals it. */
interface WatermarkAnswer {
  readonly appid: string;
  readonly timestamp: number;
}

/**
 * The answer of `POST /v1/me/decrypt`: the decrypted fields under their WeCom names, with the `kind` of the data
 * and its `source`. User info's `corpid` and `userid` always equal the session's; its `name` and `gender` are the
 * client's word (`source: 'client'`), signed when `rawData` and `signature` were sent and verified.
 */
export type DecryptAnswer =
  | {
      readonly kind: 'mobile';
      readonly mobile: string;
      readonly source: DisclosureSource;
      readonly watermark: WatermarkAnswer;
    }
  | {
      readonly kind: 'email';
      readonly email: string;
      readonly source: DisclosureSource;
      readonly watermark: WatermarkAnswer;
    }
  | {
      readonly kind: 'enterprise_user_info';
      readonly corpid: string;
      readonly userid: string;
      readonly name?: string;
      readonly gender: 0 | 1 | 2;
      readonly source: 'client';
      readonly watermark: WatermarkAnswer;
    };

/** The verdict on a disclosure: what to answer, and what to keep for the session (values WeCom does not give). */
export interface DisclosureVerdict {
  readonly answer: DecryptAnswer;
  readonly keep?: { readonly mobile?: string; readonly email?: string };
}

function mismatch(message: string): GatewayError {
  return new GatewayError('disclosure_mismatch', message);
}

/**
 * Judges a decrypted disclosure against what WeCom attests for the session: throws `403 disclosure_mismatch` when
 * they contradict each other, else returns the answer and what to keep.
 *
 * @example
 * const verdict = judgeDisclosure(disclosure, { corpId: claims.corpId, userId: claims.userId, profile });
 * if (verdict.keep) await directory.addDisclosed(session, verdict.keep);
 */
export function judgeDisclosure(
  disclosure: MiniProgramDisclosure,
  attested: { readonly corpId: string; readonly userId: string; readonly profile: Employee },
): DisclosureVerdict {
  const watermark = { appid: disclosure.watermark.appId, timestamp: disclosure.watermark.timestamp };
  const { profile } = attested;
  switch (disclosure.kind) {
    case 'mobile': {
      // Apps created before 2022-06-20 still get the mobile from user/get: it must be that one.
      if (profile.mobile !== undefined && profile.mobile !== disclosure.mobile) {
        throw mismatch("The decrypted mobile is not the one WeCom's user/get gives for this employee.");
      }
      const source = profile.mobile === undefined ? 'client' : 'wecom';
      return {
        answer: { kind: 'mobile', mobile: disclosure.mobile, source, watermark },
        ...(source === 'client' ? { keep: { mobile: disclosure.mobile } } : {}),
      };
    }
    case 'email': {
      // Email addresses are compared as WeCom and mail servers treat them: without regard to case.
      if (profile.email !== undefined && profile.email.toLowerCase() !== disclosure.email.toLowerCase()) {
        throw mismatch("The decrypted email is not the one WeCom's user/get gives for this employee.");
      }
      const source = profile.email === undefined ? 'client' : 'wecom';
      return {
        answer: { kind: 'email', email: disclosure.email, source, watermark },
        ...(source === 'client' ? { keep: { email: disclosure.email } } : {}),
      };
    }
    case 'enterprise_user_info': {
      // WeCom ids are case-insensitive; anything else names another person than the session's.
      if (
        disclosure.corpId.toLowerCase() !== attested.corpId.toLowerCase() ||
        disclosure.userId.toLowerCase() !== attested.userId.toLowerCase()
      ) {
        throw mismatch('The decrypted user info names another corp or userid than this session.');
      }
      return {
        answer: {
          kind: 'enterprise_user_info',
          corpid: disclosure.corpId,
          userid: disclosure.userId,
          ...(disclosure.name === undefined ? {} : { name: disclosure.name }),
          gender: disclosure.gender,
          source: 'client',
          watermark,
        },
      };
    }
  }
}
