import { timingSafeEqual } from 'node:crypto';

/**
 * Compares two strings (as UTF-8) in constant time; unlike `timingSafeEqual` it accepts different lengths and
 * returns `false` for them. Use it for any signature or token comparison.
 *
 * @example
 * ```ts
 * if (!constantTimeEqual(expectedSignature, request.query.signature)) reply.code(401);
 * ```
 */
export function constantTimeEqual(expected: string, actual: string): boolean {
  const expectedBytes = Buffer.from(expected, 'utf8');
  const actualBytes = Buffer.from(actual, 'utf8');
  if (expectedBytes.length !== actualBytes.length) {
    // Still compare something of equal length so a length mismatch costs the same as a content mismatch.
    timingSafeEqual(expectedBytes, expectedBytes);
    return false;
  }
  return timingSafeEqual(expectedBytes, actualBytes);
}
