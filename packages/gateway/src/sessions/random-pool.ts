/**
 * Random bytes for a login's secrets (session id, refresh token, retry-claim holder) and for sealing nonces, drawn
 * from a buffer that the CSPRNG fills 4 KiB at a time.
 *
 * `crypto.randomBytes` costs a job object and a call into OpenSSL per call, several microseconds of the event loop for
 * 16 bytes, and a login made five such calls. Drawn from the pool, a secret costs a copy; the CSPRNG is called once per
 * 4 KiB. Node's own `crypto.randomUUID` buffers its entropy the same way. Every byte is handed out once: a draw moves
 * past what it took, and the pool is refilled, never rewound.
 */
import { randomFillSync } from 'node:crypto';

const POOL_BYTES = 4096;

const pool = Buffer.allocUnsafe(POOL_BYTES);
/** Where the next draw starts; at the end, the pool is spent. */
let offset = POOL_BYTES;

/** The offset of `size` fresh bytes in the pool, refilling it first when fewer are left. */
function reserve(size: number): number {
  if (!Number.isInteger(size) || size < 1 || size > POOL_BYTES) {
    throw new TypeError(`random draws are 1 to ${POOL_BYTES} bytes`);
  }
  if (offset + size > POOL_BYTES) {
    randomFillSync(pool);
    offset = 0;
  }
  const start = offset;
  offset += size;
  return start;
}

/** `size` random bytes as base64url: a session id, a refresh token. */
export function randomToken(size: number): string {
  const start = reserve(size);
  return pool.toString('base64url', start, start + size);
}

/** `size` random bytes in a buffer of their own (a copy: the pool's bytes are overwritten when it is refilled). */
export function randomBuffer(size: number): Buffer {
  const start = reserve(size);
  return Buffer.from(pool.subarray(start, start + size));
}
