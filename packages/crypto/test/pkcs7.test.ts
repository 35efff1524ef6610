import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { pkcs7Pad, pkcs7Unpad } from '../src/pkcs7.js';

describe('PKCS#7', () => {
  it('pads to a multiple of the block size with 1..blockSize bytes and unpads back', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 100 }), fc.constantFrom(16, 32), (data, blockSize) => {
        const padded = pkcs7Pad(data, blockSize);
        expect(padded.length % blockSize).toBe(0);
        const padLength = padded.length - data.length;
        expect(padLength).toBeGreaterThanOrEqual(1);
        expect(padLength).toBeLessThanOrEqual(blockSize);
        expect(padded.subarray(data.length).every((byte) => byte === padLength)).toBe(true);
        expect(pkcs7Unpad(padded, blockSize)).toEqual(Buffer.from(data));
      }),
    );
  });

  it('adds a whole block when the data is already aligned', () => {
    expect(pkcs7Pad(Buffer.alloc(32, 1), 32)).toEqual(
      Buffer.concat([Buffer.alloc(32, 1), Buffer.alloc(32, 32)]),
    );
  });

  it('rejects zero, oversized and inconsistent pad bytes', () => {
    expect(pkcs7Unpad(Buffer.alloc(0), 32)).toBeUndefined();
    expect(pkcs7Unpad(Buffer.from([1, 2, 0]), 32)).toBeUndefined();
    expect(pkcs7Unpad(Buffer.alloc(32, 17), 16)).toBeUndefined();
    expect(pkcs7Unpad(Buffer.from([3, 3]), 32)).toBeUndefined();
    expect(pkcs7Unpad(Buffer.from([9, 1, 2]), 32)).toBeUndefined();
    expect(pkcs7Unpad(Buffer.alloc(32, 30), 32)).toEqual(Buffer.alloc(2, 30));
  });
});
