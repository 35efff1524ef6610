/** Guards against programmer misuse shared by every adapter; each throws `TypeError` with an exact message. */

export function assertPositiveMs(what: string, value: number): void {
  if (!Number.isFinite(value) || value <= 0) {
    throw new TypeError(`${what} must be a positive, finite number of milliseconds`);
  }
}

export function assertPositiveInteger(what: string, value: number): void {
  if (!Number.isSafeInteger(value) || value <= 0) throw new TypeError(`${what} must be a positive integer`);
}

/** Serialises a cache value; the cache holds JSON only, so a value that is not JSON is a mistake of the caller. */
export function toCacheJson(value: unknown): string {
  const json: unknown = JSON.stringify(value);
  if (typeof json !== 'string') throw new TypeError('cache.set: value must be JSON-serialisable');
  return json;
}
