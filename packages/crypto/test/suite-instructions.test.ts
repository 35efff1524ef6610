import {
  buildSuiteInstructionXml,
  InvalidXmlError,
  isTypedSuiteInstruction,
  parseSuiteInstruction,
  type SuiteInstructionInput,
} from '@wecom-auth/crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';

const suiteId = 'wwsuite0000000001';

describe('parseSuiteInstruction', () => {
  it('reads a suite_ticket push as WeCom sends it', () => {
    const xml = `<xml><SuiteId><![CDATA[${suiteId}]]></SuiteId><InfoType><![CDATA[suite_ticket]]></InfoType><TimeStamp>1403610513</TimeStamp><SuiteTicket><![CDATA[asdfasfdasdfasdf]]></SuiteTicket></xml>`;
    expect(parseSuiteInstruction(xml)).toEqual({
      suiteId,
      infoType: 'suite_ticket',
      timeStamp: 1403610513,
      suiteTicket: 'asdfasfdasdfasdf',
    });
  });

  it('reads create_auth, change_auth, cancel_auth and reset_permanent_code', () => {
    const at = 1700000000;
    expect(
      parseSuiteInstruction(
        `<xml><SuiteId>${suiteId}</SuiteId><AuthCode>AUTHCODE</AuthCode><InfoType>create_auth</InfoType><TimeStamp>${at}</TimeStamp><State>s1</State></xml>`,
      ),
    ).toEqual({ suiteId, infoType: 'create_auth', timeStamp: at, authCode: 'AUTHCODE', state: 's1' });
    expect(
      parseSuiteInstruction(
        `<xml><SuiteId>${suiteId}</SuiteId><InfoType>change_auth</InfoType><TimeStamp>${at}</TimeStamp><AuthCorpId>wxf8b4f85f3a794e77</AuthCorpId></xml>`,
      ),
    ).toEqual({ suiteId, infoType: 'change_auth', timeStamp: at, authCorpId: 'wxf8b4f85f3a794e77' });
    expect(
      parseSuiteInstruction(
        `<xml><SuiteId>${suiteId}</SuiteId><InfoType>cancel_auth</InfoType><TimeStamp>${at}</TimeStamp><AuthCorpId>wxf8b4f85f3a794e77</AuthCorpId></xml>`,
      ),
    ).toEqual({ suiteId, infoType: 'cancel_auth', timeStamp: at, authCorpId: 'wxf8b4f85f3a794e77' });
    expect(
      parseSuiteInstruction(
        `<xml><SuiteId>${suiteId}</SuiteId><AuthCode>NEW</AuthCode><InfoType>reset_permanent_code</InfoType><TimeStamp>${at}</TimeStamp></xml>`,
      ),
    ).toEqual({ suiteId, infoType: 'reset_permanent_code', timeStamp: at, authCode: 'NEW' });
  });

  it('keeps the header of an instruction it does not type', () => {
    const parsed = parseSuiteInstruction(
      `<xml><SuiteId>${suiteId}</SuiteId><AuthCorpId>wwcorp01</AuthCorpId><InfoType>change_contact</InfoType><TimeStamp>1</TimeStamp><ChangeType>delete_user</ChangeType></xml>`,
    );
    expect(parsed).toEqual({ suiteId, infoType: 'change_contact', timeStamp: 1, authCorpId: 'wwcorp01' });
    expect(isTypedSuiteInstruction(parsed)).toBe(false);
  });

  it.each([
    [
      'no SuiteId',
      '<xml><InfoType>suite_ticket</InfoType><TimeStamp>1</TimeStamp><SuiteTicket>t</SuiteTicket></xml>',
    ],
    ['no InfoType', `<xml><SuiteId>${suiteId}</SuiteId><TimeStamp>1</TimeStamp></xml>`],
    [
      'a TimeStamp that is not seconds',
      `<xml><SuiteId>${suiteId}</SuiteId><InfoType>cancel_auth</InfoType><TimeStamp>-1</TimeStamp><AuthCorpId>a</AuthCorpId></xml>`,
    ],
    [
      'a ticket without SuiteTicket',
      `<xml><SuiteId>${suiteId}</SuiteId><InfoType>suite_ticket</InfoType><TimeStamp>1</TimeStamp></xml>`,
    ],
    [
      'a cancel_auth without AuthCorpId',
      `<xml><SuiteId>${suiteId}</SuiteId><InfoType>cancel_auth</InfoType><TimeStamp>1</TimeStamp></xml>`,
    ],
    [
      'an oversized ticket',
      `<xml><SuiteId>${suiteId}</SuiteId><InfoType>suite_ticket</InfoType><TimeStamp>1</TimeStamp><SuiteTicket>${'t'.repeat(513)}</SuiteTicket></xml>`,
    ],
    ['not XML', 'suite_ticket'],
  ])('refuses %s', (_name, xml) => {
    expect(() => parseSuiteInstruction(xml)).toThrow(InvalidXmlError);
  });

  it('reads back what buildSuiteInstructionXml wrote, for any field text', () => {
    const text = fc.string({ minLength: 1, maxLength: 60 });
    const instruction: fc.Arbitrary<SuiteInstructionInput> = fc.oneof(
      fc
        .record({ suiteId: text, timeStamp: fc.nat(2 ** 35), suiteTicket: text })
        .map((r) => ({ ...r, infoType: 'suite_ticket' as const })),
      fc
        .record({ suiteId: text, timeStamp: fc.nat(2 ** 35), authCode: text })
        .map((r) => ({ ...r, infoType: 'create_auth' as const })),
      fc
        .record({ suiteId: text, timeStamp: fc.nat(2 ** 35), authCorpId: text })
        .map((r) => ({ ...r, infoType: 'cancel_auth' as const })),
      fc
        .record({ suiteId: text, timeStamp: fc.nat(2 ** 35), authCorpId: text })
        .map((r) => ({ ...r, infoType: 'change_auth' as const })),
    );
    fc.assert(
      fc.property(instruction, (input) => {
        expect(parseSuiteInstruction(buildSuiteInstructionXml(input))).toEqual(input);
      }),
    );
  });

  it('answers any text with a value or InvalidXmlError, never another error', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 300 }), (text) => {
        try {
          parseSuiteInstruction(`<xml>${text}</xml>`);
        } catch (error) {
          expect(error).toBeInstanceOf(InvalidXmlError);
        }
      }),
    );
  });
});
