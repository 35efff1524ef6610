import type { EnterpriseUserInfoDisclosure } from './miniprogram-disclosure.js';

/** The keys of `wx.qy.getEnterpriseUserInfo`'s `userInfo`, which `rawData` serialises. */
const RAW_DATA_KEYS = new Set(['name', 'gender', 'language']);

/**
 * Checks that `rawData` (the signed, unencrypted `userInfo` of `wx.qy.getEnterpriseUserInfo`) says the same as the
 * decrypted data sent with it: the same `gender`, and the same `name` — present in both or absent from both (third-
 * party apps get no name). `rawData` must be a JSON object with no keys but `name`, `gender` and `language`.
 *
 * Both halves come from the client, so agreement proves only that it did not splice two answers together (for
 * instance a signed `rawData` of one session with `encryptedData` rewritten through the IV). Verify the
 * signature with {@link verifyRawDataSignature} first, and still compare the identity with `user/get`.
 *
 * @example
 * ```ts
 * const info = openMiniProgramDisclosure({ ...relayed, sessionKey, appId, kind: 'enterprise_user_info' });
 * if (!verifyRawDataSignature({ rawData, signature, sessionKey }) ||
 *     info.kind !== 'enterprise_user_info' || !rawDataMatchesUserInfo(rawData, info)) reject();
 * ```
 */
export function rawDataMatchesUserInfo(rawData: string, disclosure: EnterpriseUserInfoDisclosure): boolean {
  if (typeof rawData !== 'string') return false;
  let parsed: unknown;
  try {
    parsed = JSON.parse(rawData);
  } catch {
    return false;
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) return false;
  const userInfo = parsed as Record<string, unknown>;
  if (!Object.keys(userInfo).every((key) => RAW_DATA_KEYS.has(key))) return false;
  if (userInfo.language !== undefined && typeof userInfo.language !== 'string') return false;
  return userInfo.gender === disclosure.gender && userInfo.name === disclosure.name;
}
