/**
 * The instruction callback (指令回调) of a suite, as WeCom sends it (wecom-suite.md §2): the decrypted XML of each
 * InfoType, sealed with the suite's Token and EncodingAESKey with receiveId = suite_id, in an envelope whose
 * `ToUserName` is the SuiteId and whose `AgentID` is empty, acknowledged by the literal answer `success`.
 */
import type { CallbackDelivery, CallbackDispatcher } from './callback-dispatcher.js';
import type { SuiteFixture } from './suite-schema.js';

/** One instruction, by InfoType, with the fields its XML carries. */
export type SuiteInstruction =
  | { infoType: 'suite_ticket'; suiteTicket: string }
  | { infoType: 'create_auth'; authCode: string; state?: string | undefined; corpId: string }
  | { infoType: 'change_auth'; corpId: string; state?: string | undefined }
  | { infoType: 'cancel_auth'; corpId: string }
  | { infoType: 'reset_permanent_code'; authCode: string; corpId: string };

/** WeCom's literal acknowledgement of an instruction callback. */
export const INSTRUCTION_ACK = 'success';

function cdata(tag: string, text: string): string {
  // The one sequence CDATA cannot hold is split across two sections.
  return `<${tag}><![CDATA[${text.replaceAll(']]>', ']]]]><![CDATA[>')}]]></${tag}>`;
}

/**
 * The decrypted XML of an instruction. `create_auth` and `reset_permanent_code` carry the AuthCode and no
 * AuthCorpId (the corp is learnt by exchanging the code); `change_auth` and `cancel_auth` carry the AuthCorpId.
 */
export function buildSuiteInstructionXml(
  suiteId: string,
  instruction: SuiteInstruction,
  timeStamp: number,
): string {
  const parts = ['<xml>', cdata('SuiteId', suiteId), cdata('InfoType', instruction.infoType)];
  parts.push(`<TimeStamp>${timeStamp}</TimeStamp>`);
  switch (instruction.infoType) {
    case 'suite_ticket':
      parts.push(cdata('SuiteTicket', instruction.suiteTicket));
      break;
    case 'create_auth':
      parts.push(cdata('AuthCode', instruction.authCode));
      if (instruction.state !== undefined) parts.push(cdata('State', instruction.state));
      break;
    case 'change_auth':
      parts.push(cdata('AuthCorpId', instruction.corpId));
      if (instruction.state !== undefined) parts.push(cdata('State', instruction.state));
      break;
    case 'cancel_auth':
      parts.push(cdata('AuthCorpId', instruction.corpId));
      break;
    case 'reset_permanent_code':
      parts.push(cdata('AuthCode', instruction.authCode));
      break;
  }
  parts.push('</xml>');
  return parts.join('');
}

/**
 * Sends an instruction to the suite's callback URL through the dispatcher (so it is logged, held, retried and
 * replayable like every callback); resolves after the first try, or with `null` when the suite has no URL.
 */
export function sendInstruction(
  dispatcher: CallbackDispatcher,
  suite: SuiteFixture,
  callbackUrl: string | undefined,
  instruction: SuiteInstruction,
  timeStamp: number,
): Promise<CallbackDelivery | null> {
  if (callbackUrl === undefined) return Promise.resolve(null);
  return dispatcher.deliverSealed({
    callback: { url: callbackUrl, token: suite.token, encodingAESKey: suite.encodingAESKey },
    receiveId: suite.suiteId,
    envelope: { toUserName: suite.suiteId, agentId: '' },
    message: buildSuiteInstructionXml(suite.suiteId, instruction, timeStamp),
    createTime: timeStamp,
    label: {
      corpId: instruction.infoType === 'suite_ticket' ? null : instruction.corpId,
      agentId: null,
      suiteId: suite.suiteId,
      event: instruction.infoType,
    },
    expectBody: INSTRUCTION_ACK,
  });
}
