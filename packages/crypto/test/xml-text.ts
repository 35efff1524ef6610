/**
 * Whether a string survives a trip through an XML element: XML 1.0 cannot carry C0 control characters or
 * U+FFFE/U+FFFF, and the parser trims text, so edge whitespace is not preserved either.
 */
export function isXmlText(value: string): boolean {
  for (const char of value) {
    const codePoint = char.codePointAt(0) ?? 0;
    if (codePoint < 0x20 || codePoint === 0xfffe || codePoint === 0xffff) return false;
  }
  return value.trim() === value;
}
