import { InvalidXmlError } from './errors.js';
import { parseXmlRoot, readText, type XmlParseOptions } from './xml-document.js';
import { cdataElement, textElement } from './xml-writer.js';

/** The encrypted POST body of a callback (`<xml><ToUserName/><Encrypt/><AgentID/></xml>`). */
export interface CallbackEnvelope {
  /** Corpid (self-built) or SuiteId (third-party command callbacks). */
  toUserName?: string;
  /** Base64 ciphertext to pass to `CallbackCrypto.decrypt`. */
  encrypt: string;
  /** Receiving app's AgentID; empty or absent for third-party command callbacks. */
  agentId?: string;
}

/** Input of {@link buildCallbackEnvelope}. */
export interface CallbackEnvelopeInput {
  toUserName?: string;
  encrypt: string;
  agentId?: string | number;
}

/** The encrypted passive reply (`<xml><Encrypt/><MsgSignature/><TimeStamp/><Nonce/></xml>`). */
export interface EncryptedReply {
  encrypt: string;
  msgSignature: string;
  timestamp: string;
  nonce: string;
}

function requireText(value: string | undefined, tag: string): string {
  if (value === undefined || value.length === 0) throw new InvalidXmlError(`<${tag}> is missing or empty`);
  return value;
}

/**
 * Parses the encrypted callback POST body. CDATA and plain text are both accepted.
 *
 * @example
 * ```ts
 * const { encrypt } = parseCallbackEnvelope(request.body);
 * const { message } = crypto.decrypt({ msgSignature, timestamp, nonce, encrypt });
 * ```
 */
export function parseCallbackEnvelope(xml: string, options?: XmlParseOptions): CallbackEnvelope {
  const root = parseXmlRoot(xml, options);
  const envelope: CallbackEnvelope = { encrypt: requireText(readText(root, 'Encrypt'), 'Encrypt') };
  const toUserName = readText(root, 'ToUserName');
  if (toUserName !== undefined) envelope.toUserName = toUserName;
  const agentId = readText(root, 'AgentID');
  if (agentId !== undefined) envelope.agentId = agentId;
  return envelope;
}

/**
 * Builds the encrypted callback POST body WeCom sends (used by the sandbox to deliver events).
 *
 * @example
 * ```ts
 * const sealed = crypto.encrypt(buildChangeContactXml(event));
 * const body = buildCallbackEnvelope({ toUserName: corpId, encrypt: sealed.encrypt, agentId: 1000002 });
 * ```
 */
export function buildCallbackEnvelope(input: CallbackEnvelopeInput): string {
  const parts = ['<xml>'];
  if (input.toUserName !== undefined) parts.push(cdataElement('ToUserName', input.toUserName));
  parts.push(cdataElement('Encrypt', input.encrypt));
  if (input.agentId !== undefined) parts.push(cdataElement('AgentID', String(input.agentId)));
  parts.push('</xml>');
  return parts.join('');
}

/**
 * Builds the encrypted passive reply of a callback, from the result of `CallbackCrypto.encrypt`.
 *
 * @example
 * ```ts
 * reply.type('application/xml').send(buildEncryptedReply(crypto.encrypt(replyXml)));
 * ```
 */
export function buildEncryptedReply(input: EncryptedReply): string {
  return [
    '<xml>',
    cdataElement('Encrypt', input.encrypt),
    cdataElement('MsgSignature', input.msgSignature),
    textElement('TimeStamp', input.timestamp),
    cdataElement('Nonce', input.nonce),
    '</xml>',
  ].join('');
}

/**
 * Parses an encrypted passive reply (the inverse of {@link buildEncryptedReply}), e.g. to check what a callback
 * handler answered.
 *
 * @example
 * ```ts
 * const reply = parseEncryptedReply(body);
 * crypto.decrypt({ ...reply, encrypt: reply.encrypt });
 * ```
 */
export function parseEncryptedReply(xml: string, options?: XmlParseOptions): EncryptedReply {
  const root = parseXmlRoot(xml, options);
  return {
    encrypt: requireText(readText(root, 'Encrypt'), 'Encrypt'),
    msgSignature: requireText(readText(root, 'MsgSignature'), 'MsgSignature'),
    timestamp: requireText(readText(root, 'TimeStamp'), 'TimeStamp'),
    nonce: requireText(readText(root, 'Nonce'), 'Nonce'),
  };
}
