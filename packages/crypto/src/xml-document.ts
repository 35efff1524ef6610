import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { InvalidXmlError } from './errors.js';

/** Callback bodies are a few kilobytes; anything far larger is refused before parsing. */
export const DEFAULT_MAX_XML_BYTES = 1024 * 1024;

/** Limits applied before an XML document is parsed. */
export interface XmlParseOptions {
  /** Largest accepted document in UTF-8 bytes (default 1 MiB). */
  maxBytes?: number;
}

/** A parsed element: text, a nested element, or a list when the element repeats. */
export type XmlValue = string | XmlElement | XmlValue[];
/** Children of a parsed element by tag name. */
export interface XmlElement {
  [tag: string]: XmlValue;
}

// A DOCTYPE is the only way to declare entities; refusing it rules out entity-expansion attacks entirely
// instead of relying on expansion limits.
const DOCTYPE_PATTERN = /<!DOCTYPE|<!ENTITY/i;

const parser = new XMLParser({
  ignoreAttributes: true,
  ignoreDeclaration: true,
  ignorePiTags: true,
  parseTagValue: false,
  trimValues: true,
  // Only the five predefined entities remain once DOCTYPE is refused; HTML entities are not XML.
  processEntities: true,
  htmlEntities: false,
  isArray: (_tagName, jPath) => jPath === 'xml.ExtAttr.Item',
});

/**
 * Parses a `<xml>…</xml>` document as used by WeCom callbacks and returns the children of the root element.
 * Throws {@link InvalidXmlError} for anything else.
 */
export function parseXmlRoot(xml: string, options: XmlParseOptions = {}): XmlElement {
  if (typeof xml !== 'string') throw new InvalidXmlError('XML input must be a string');
  const maxBytes = options.maxBytes ?? DEFAULT_MAX_XML_BYTES;
  if (Buffer.byteLength(xml, 'utf8') > maxBytes) {
    throw new InvalidXmlError(`XML document exceeds ${maxBytes} bytes`);
  }
  if (DOCTYPE_PATTERN.test(xml)) throw new InvalidXmlError('XML document must not contain a DOCTYPE');
  const validation = XMLValidator.validate(xml);
  if (validation !== true) {
    throw new InvalidXmlError(`malformed XML: ${validation.err.msg} (line ${validation.err.line})`);
  }
  let document: unknown;
  try {
    document = parser.parse(xml);
  } catch (error) {
    throw new InvalidXmlError('malformed XML', { cause: error });
  }
  const topLevel = document as Record<string, unknown>;
  // The validator lets a self-closing element precede the root; a second top-level element is still malformed.
  if (Object.keys(topLevel).length !== 1) {
    throw new InvalidXmlError('XML document must have a single <xml> root element');
  }
  const root = topLevel.xml;
  if (root === '') return {};
  if (typeof root !== 'object' || root === null || Array.isArray(root)) {
    throw new InvalidXmlError('XML document must have a single <xml> root element');
  }
  return root as XmlElement;
}

/** Reads a text child; `undefined` when absent, {@link InvalidXmlError} when repeated or nested. */
export function readText(element: XmlElement, tag: string): string | undefined {
  const value = element[tag];
  if (value === undefined) return undefined;
  if (typeof value !== 'string') throw new InvalidXmlError(`<${tag}> must be a single text element`);
  return value;
}
