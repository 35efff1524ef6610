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

/** A rotation's repeat must carry an answer and a finite end: an empty answer could not be told from none. */
export function assertRotationRepeat(
  repeat: { readonly answer: string; readonly until: number } | undefined,
): void {
  if (repeat === undefined) return;
  if (typeof repeat.answer !== 'string' || repeat.answer === '' || !Number.isFinite(repeat.until)) {
    throw new TypeError('sessions.rotate: repeat needs a non-empty answer and a finite until');
  }
}
