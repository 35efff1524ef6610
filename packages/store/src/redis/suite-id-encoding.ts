/**
 * A suite id as it appears in keys and messages: `%` and `:` escaped (as `%25`, `%3A`), so that an encoded id holds
 * no `:` and no suite id can reach into another suite's keys. Unlike `encodeURIComponent` it never throws (a lone
 * surrogate passes through).
 */
export function encodeSuiteId(suiteId: string): string {
  return suiteId.replace(/[%:]/g, (character) => (character === '%' ? '%25' : '%3A'));
}

/** The suite id {@link encodeSuiteId} encoded. */
export function decodeSuiteId(encoded: string): string {
  return encoded.replace(/%(25|3A)/g, (_, code: string) => (code === '25' ? '%' : ':'));
}
