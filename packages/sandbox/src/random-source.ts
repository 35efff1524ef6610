import { createHash, randomBytes } from 'node:crypto';

/**
 * Source of every random value the sandbox hands out (tokens, codes, session keys, hint ids).
 * With a seed it is a SHA-256 counter stream, so two sandboxes with the same seed and the same calls
 * produce the same values; without one it is the system CSPRNG.
 */
export class RandomSource {
  private counter = 0;

  constructor(private readonly seed?: string | number) {}

  bytes(length: number): Buffer {
    if (this.seed === undefined) return randomBytes(length);
    const chunks: Buffer[] = [];
    let produced = 0;
    while (produced < length) {
      const block = createHash('sha256')
        .update(`${String(this.seed)}:${this.counter}`)
        .digest();
      this.counter += 1;
      chunks.push(block);
      produced += block.length;
    }
    return Buffer.concat(chunks).subarray(0, length);
  }

  /** A float in [0, 1). */
  fraction(): number {
    return this.bytes(6).readUIntBE(0, 6) / 2 ** 48;
  }

  /** `count` decimal digits. */
  digits(count: number): string {
    return Array.from(this.bytes(count), (byte) => String(byte % 10)).join('');
  }

  /** Restarts the seeded stream so a reset sandbox replays the same values. */
  reset(): void {
    this.counter = 0;
  }
}
