import {
  buildCallbackEnvelope,
  createCallbackCrypto,
  decryptMiniProgramData,
  encryptMiniProgramData,
  parseCallbackEnvelope,
  parseEncryptedReply,
} from '@wecom-auth/crypto';
import fc from 'fast-check';
import MiniAppDecryptor from 'node-easywechat/dist/MiniApp/Decryptor.js';
import WorkEncryptor from 'node-easywechat/dist/Work/Encryptor.js';
import { describe, expect, it } from 'vitest';

// node-easywechat is an independent implementation of the same schemes; agreeing with it in both directions
// guards against a bug mirrored in our encoder and decoder.
const TOKEN = 'Token123';
const KEY = 'jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2C';
const CORP_ID = 'wx5823bf96d3bd56c7';

describe('interoperability with node-easywechat', () => {
  const ours = createCallbackCrypto({ token: TOKEN, encodingAESKey: KEY, receiveId: CORP_ID });
  const theirs = new WorkEncryptor(CORP_ID, TOKEN, KEY);

  it('they decrypt what we encrypt', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme', maxLength: 200 }), (message) => {
        const sealed = ours.encrypt(message, { timestamp: 1700000000, nonce: '1234567890' });
        expect(theirs.decrypt(sealed.encrypt, sealed.msgSignature, sealed.nonce, 1700000000)).toBe(message);
      }),
    );
  });

  it('we decrypt their passive replies', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme', maxLength: 200 }), (message) => {
        const reply = parseEncryptedReply(theirs.encrypt(message, '987654321', 1700000000));
        expect(ours.decrypt(reply)).toEqual({ message, receiveId: CORP_ID });
      }),
    );
  });

  it('our envelope carries a payload they accept', () => {
    const sealed = ours.encrypt('<xml><Content>hi</Content></xml>', { timestamp: 1, nonce: 'n' });
    const { encrypt } = parseCallbackEnvelope(
      buildCallbackEnvelope({ toUserName: CORP_ID, encrypt: sealed.encrypt }),
    );
    expect(theirs.decrypt(encrypt, sealed.msgSignature, 'n', 1)).toBe('<xml><Content>hi</Content></xml>');
  });

  it('mini-program data crosses both ways', () => {
    const sessionKey = 'kJtdi6RF+Dv67QkbLlPGjw==';
    const data = { mobile: '13800000000', watermark: { appid: 'wx4f4bc4dec97d474b', timestamp: 1700000000 } };
    const sealed = encryptMiniProgramData({ sessionKey, data });
    expect(MiniAppDecryptor.decrypt(sessionKey, sealed.iv, sealed.encryptedData)).toEqual(data);
    expect(decryptMiniProgramData({ sessionKey, ...sealed, appId: 'wx4f4bc4dec97d474b' })).toEqual(data);
  });
});
