/**
 * Reads a gateway's store directly (the SQLite file of a killed gateway, or a running gateway's Redis store): which
 * answered sessions it holds, and the secrets it keeps sealed or cached, the session_keys and the WeCom
 * access_token, recorded for the secret scan since the scan must look for exactly those.
 */
import { accessTokenCacheKey } from '@wecom-auth/api';
import { createDataSealer, deriveDataKey } from '@wecom-auth/gateway';
import { DEMO_APP, DEMO_CORP_ID } from '@wecom-auth/sandbox';
import type { Store } from '@wecom-auth/store';
import { recordSecret } from './evidence.js';

export interface StoredSessions {
  /** Session ids that are not in the store. */
  readonly missing: string[];
  /** Sessions whose stored record says revoked. */
  readonly revoked: ReadonlySet<string>;
  readonly sessionKeys: number;
}

/** The sealer of a gateway on the demo app without WECOM_AUTH_DATA_KEY: the key is derived from the secret. */
const sealer = createDataSealer(deriveDataKey({ configuredKey: undefined, secret: DEMO_APP.secret }));

/**
 * Looks up every session id in `store`, records the session_key of each one found and the WeCom access_token
 * cached for the demo app at `wecomBaseUrl`.
 */
export async function readStoredSessions(
  store: Store,
  sessionIds: readonly string[],
  wecomBaseUrl: string,
): Promise<StoredSessions> {
  const missing: string[] = [];
  const revoked = new Set<string>();
  let sessionKeys = 0;
  for (const id of sessionIds) {
    const record = await store.sessions.get(id);
    if (record === undefined) {
      missing.push(id);
      continue;
    }
    if (record.revokedAt !== undefined) revoked.add(id);
    recordSecret('session_key', sealer.open(record.sessionKeyCiphertext, 'session_key'));
    sessionKeys += 1;
  }
  const cached = await store.accessTokens.get(
    accessTokenCacheKey({ baseUrl: wecomBaseUrl, corpId: DEMO_CORP_ID, secret: DEMO_APP.secret }),
  );
  recordSecret('wecom_access_token', cached?.token);
  return { missing, revoked, sessionKeys };
}
