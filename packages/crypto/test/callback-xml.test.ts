import {
  buildCallbackEnvelope,
  buildEncryptedReply,
  createCallbackCrypto,
  InvalidXmlError,
  parseCallbackEnvelope,
  parseEncryptedReply,
} from '@wecom-auth/crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isXmlText } from './xml-text.js';

const KEY = 'abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG';

function expectInvalidXml(action: () => unknown): void {
  let caught: unknown;
  try {
    action();
  } catch (error) {
    caught = error;
  }
  expect(caught).toBeInstanceOf(InvalidXmlError);
  expect(caught).toMatchObject({ code: 'invalid_xml', wxBizMsgCryptCode: -40002 });
}

describe('parseCallbackEnvelope', () => {
  it('parses the official POST body with CDATA', () => {
    const xml =
      '<xml><ToUserName><![CDATA[wx5823bf96d3bd56c7]]></ToUserName><Encrypt><![CDATA[RypEvHKD8QQ+/=]]></Encrypt><AgentID><![CDATA[218]]></AgentID></xml>';
    expect(parseCallbackEnvelope(xml)).toEqual({
      toUserName: 'wx5823bf96d3bd56c7',
      encrypt: 'RypEvHKD8QQ+/=',
      agentId: '218',
    });
  });

  it('parses plain text, whitespace between elements, a declaration and an empty AgentID', () => {
    const xml =
      '<?xml version="1.0" encoding="UTF-8"?>\n<xml>\n  <ToUserName>ww1</ToUserName>\n  <Encrypt>abc=</Encrypt>\n  <AgentID></AgentID>\n</xml>\n';
    expect(parseCallbackEnvelope(xml)).toEqual({ toUserName: 'ww1', encrypt: 'abc=', agentId: '' });
  });

  it('ignores a byte-order mark, comments and attributes', () => {
    expect(parseCallbackEnvelope('\ufeff<xml a="1"><!-- note --><Encrypt b="2">abc</Encrypt></xml>')).toEqual(
      {
        encrypt: 'abc',
      },
    );
  });

  it('leaves out absent optional elements', () => {
    expect(parseCallbackEnvelope('<xml><Encrypt>abc</Encrypt></xml>')).toEqual({ encrypt: 'abc' });
  });

  it.each([
    ['empty input', ''],
    ['not XML', 'encrypt=abc'],
    ['unclosed element', '<xml><Encrypt>abc</xml>'],
    ['missing Encrypt', '<xml><ToUserName>a</ToUserName></xml>'],
    ['empty Encrypt', '<xml><Encrypt><![CDATA[]]></Encrypt></xml>'],
    ['repeated Encrypt', '<xml><Encrypt>a</Encrypt><Encrypt>b</Encrypt></xml>'],
    ['nested Encrypt', '<xml><Encrypt><a>b</a></Encrypt></xml>'],
    ['wrong root', '<root><Encrypt>a</Encrypt></root>'],
    ['text root', '<xml>abc</xml>'],
    ['two roots', '<xml><Encrypt>a</Encrypt></xml><xml><Encrypt>b</Encrypt></xml>'],
    ['an element before the root', '<other/><xml><Encrypt>a</Encrypt></xml>'],
    ['trailing text', '<xml><Encrypt>a</Encrypt></xml>trailing'],
  ])('rejects %s with InvalidXmlError', (_name, xml) => {
    expectInvalidXml(() => parseCallbackEnvelope(xml));
  });

  it('refuses DOCTYPE declarations, so entities can never expand', () => {
    const billionLaughs =
      '<?xml version="1.0"?><!DOCTYPE xml [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]><xml><Encrypt>&b;&b;&b;</Encrypt></xml>';
    expectInvalidXml(() => parseCallbackEnvelope(billionLaughs));
    expectInvalidXml(() =>
      parseCallbackEnvelope('<!doctype xml SYSTEM "file:///etc/passwd"><xml><Encrypt>a</Encrypt></xml>'),
    );
  });

  it('decodes the predefined XML entities in plain text', () => {
    expect(parseCallbackEnvelope('<xml><Encrypt>a&amp;b&lt;c</Encrypt></xml>').encrypt).toBe('a&b<c');
  });

  it('refuses documents over the size cap before parsing', () => {
    const xml = `<xml><Encrypt>${'A'.repeat(2000)}</Encrypt></xml>`;
    expect(parseCallbackEnvelope(xml).encrypt).toHaveLength(2000);
    expectInvalidXml(() => parseCallbackEnvelope(xml, { maxBytes: 1000 }));
    expectInvalidXml(() => parseCallbackEnvelope(`<xml><Encrypt>${'A'.repeat(1024 * 1024)}</Encrypt></xml>`));
  });

  it('only ever throws InvalidXmlError for arbitrary input', () => {
    const xmlish = fc
      .array(
        fc.constantFrom(
          '<xml>',
          '</xml>',
          '<Encrypt>',
          '</Encrypt>',
          '<![CDATA[',
          ']]>',
          '<a/>',
          '&amp;',
          '&x;',
          'abc',
          '<!DOCTYPE x>',
          '<?xml?>',
          '"',
          "'",
          '<',
          '>',
        ),
        { maxLength: 12 },
      )
      .map((parts) => parts.join(''));
    fc.assert(
      fc.property(fc.oneof(fc.string(), xmlish), (xml) => {
        try {
          const envelope = parseCallbackEnvelope(xml);
          expect(typeof envelope.encrypt).toBe('string');
          expect(envelope.encrypt.length).toBeGreaterThan(0);
        } catch (error) {
          expect(error).toBeInstanceOf(InvalidXmlError);
        }
      }),
      { numRuns: 500 },
    );
  });
});

describe('buildCallbackEnvelope', () => {
  it('builds the WeCom POST body layout', () => {
    expect(buildCallbackEnvelope({ toUserName: 'ww1', encrypt: 'abc=', agentId: 1000002 })).toBe(
      '<xml><ToUserName><![CDATA[ww1]]></ToUserName><Encrypt><![CDATA[abc=]]></Encrypt><AgentID><![CDATA[1000002]]></AgentID></xml>',
    );
    expect(buildCallbackEnvelope({ encrypt: 'abc=' })).toBe('<xml><Encrypt><![CDATA[abc=]]></Encrypt></xml>');
  });

  it('round-trips through parseCallbackEnvelope for any text, including "]]>"', () => {
    const text = fc.string({ unit: 'grapheme', minLength: 1 }).filter(isXmlText);
    fc.assert(
      fc.property(
        text,
        fc.option(text, { nil: undefined }),
        fc.option(fc.nat(), { nil: undefined }),
        (encrypt, toUserName, agentId) => {
          const input = {
            encrypt,
            ...(toUserName === undefined ? {} : { toUserName }),
            ...(agentId === undefined ? {} : { agentId }),
          };
          const expected = {
            encrypt,
            ...(toUserName === undefined ? {} : { toUserName }),
            ...(agentId === undefined ? {} : { agentId: String(agentId) }),
          };
          expect(parseCallbackEnvelope(buildCallbackEnvelope(input))).toEqual(expected);
        },
      ),
    );
    expect(parseCallbackEnvelope(buildCallbackEnvelope({ encrypt: 'a]]>b]]>' })).encrypt).toBe('a]]>b]]>');
  });
});

describe('encrypted passive reply', () => {
  it('builds the official reply layout', () => {
    expect(
      buildEncryptedReply({
        encrypt: 'abc=',
        msgSignature: 'f00',
        timestamp: '1409659813',
        nonce: '1372623149',
      }),
    ).toBe(
      '<xml><Encrypt><![CDATA[abc=]]></Encrypt><MsgSignature><![CDATA[f00]]></MsgSignature><TimeStamp>1409659813</TimeStamp><Nonce><![CDATA[1372623149]]></Nonce></xml>',
    );
  });

  it('round-trips a reply from CallbackCrypto.encrypt and decrypts it', () => {
    const crypto = createCallbackCrypto({ token: 'Token', encodingAESKey: KEY, receiveId: 'ww1' });
    const sealed = crypto.encrypt('<xml><Content><![CDATA[你好]]></Content></xml>');
    const reply = parseEncryptedReply(buildEncryptedReply(sealed));
    expect(reply).toEqual(sealed);
    expect(crypto.decrypt(reply).message).toBe('<xml><Content><![CDATA[你好]]></Content></xml>');
  });

  it('rejects a reply missing any element', () => {
    expectInvalidXml(() =>
      parseEncryptedReply(
        '<xml><Encrypt>a</Encrypt><MsgSignature>b</MsgSignature><TimeStamp>1</TimeStamp></xml>',
      ),
    );
  });
});
