export type { AccessTokenLock, AccessTokenRecord, AccessTokenStore } from './access-token-store.js';
export { createMemoryAccessTokenStore } from './access-token-store.js';
