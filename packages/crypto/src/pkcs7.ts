/**
 * PKCS#7 padding with an explicit block size. WXBizMsgCrypt pads to 32 bytes although AES blocks are 16, so the
 * cipher's built-in padding cannot be used there; mini-program data uses the ordinary 16.
 */

/** Pads `data` to a multiple of `blockSize` (1–255); always adds at least one byte. */
export function pkcs7Pad(data: Uint8Array, blockSize: number): Buffer {
  const padLength = blockSize - (data.length % blockSize);
  return Buffer.concat([data, Buffer.alloc(padLength, padLength)]);
}

/**
 * Removes PKCS#7 padding of a block size up to `blockSize`; returns `undefined` when the padding is malformed.
 * Every pad byte is checked, so a wrong key is detected instead of yielding truncated garbage.
 */
export function pkcs7Unpad(data: Buffer, blockSize: number): Buffer | undefined {
  const padLength = data.at(-1);
  if (padLength === undefined || padLength < 1 || padLength > blockSize || padLength > data.length) {
    return undefined;
  }
  for (let index = data.length - padLength; index < data.length; index += 1) {
    if (data[index] !== padLength) return undefined;
  }
  return data.subarray(0, data.length - padLength);
}
