/**
 * Minimal XML output for the fixed WeCom layouts. Text goes into CDATA like WeCom's own messages; the only
 * sequence CDATA cannot hold, "]]>", is split across two sections.
 */
export function cdata(text: string): string {
  return `<![CDATA[${text.replaceAll(']]>', ']]]]><![CDATA[>')}]]>`;
}

/** Escapes text for use outside CDATA (numbers, timestamps). */
export function escapeText(text: string): string {
  return text.replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('>', '&gt;');
}

/** `<tag><![CDATA[text]]></tag>` */
export function cdataElement(tag: string, text: string): string {
  return `<${tag}>${cdata(text)}</${tag}>`;
}

/** `<tag>text</tag>` with escaping, for numeric values. */
export function textElement(tag: string, text: string | number): string {
  return `<${tag}>${escapeText(String(text))}</${tag}>`;
}
