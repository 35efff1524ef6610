/**
 * The instructions WeCom pushes to a third-party app's instruction callback (指令回调): the decrypted XML of a
 * suite's events, as typed values. The layout is `<xml><SuiteId/><InfoType/><TimeStamp/>…</xml>` (WxJava
 * `WxCpTpXmlMessage`); `InfoType` says what happened, `TimeStamp` (Unix seconds) orders the instructions of one suite.
 */
import { InvalidXmlError } from './errors.js';
import { parseXmlRoot, readText, type XmlParseOptions } from './xml-document.js';
import { cdataElement, textElement } from './xml-writer.js';

/** What every instruction carries. */
interface InstructionHeader {
  /** The suite the instruction is for: the receiveId it was sealed with. */
  readonly suiteId: string;
  /** When WeCom sent it, Unix seconds: orders tickets and installs. */
  readonly timeStamp: number;
}

/** The newest suite_ticket, pushed every 10 minutes and valid 30: a credential, never logged. */
export interface SuiteTicketInstruction extends InstructionHeader {
  readonly infoType: 'suite_ticket';
  readonly suiteTicket: string;
}

/** A corp installed the app: `authCode` (single use, 10 minutes) is exchanged for its permanent code. */
export interface CreateAuthInstruction extends InstructionHeader {
  readonly infoType: 'create_auth';
  readonly authCode: string;
  /** The `state` of the install link, when the install started from one. */
  readonly state?: string;
}

/** A corp changed what the app may see (visible range, agents): read its auth info again. */
export interface ChangeAuthInstruction extends InstructionHeader {
  readonly infoType: 'change_auth';
  readonly authCorpId: string;
  readonly state?: string;
}

/** A corp uninstalled the app: its permanent code is void, its sessions must end. */
export interface CancelAuthInstruction extends InstructionHeader {
  readonly infoType: 'cancel_auth';
  readonly authCorpId: string;
}

/** A corp's permanent code was reset: `authCode` is exchanged for the new one, the old one stops working. */
export interface ResetPermanentCodeInstruction extends InstructionHeader {
  readonly infoType: 'reset_permanent_code';
  readonly authCode: string;
  /** Present in WeCom's pushes; older layouts may leave it out. */
  readonly authCorpId?: string;
}

/** Any other `InfoType` (`change_contact`, `change_app_admin`, orders, …), with its type kept for the caller. */
export interface OtherInstruction extends InstructionHeader {
  readonly infoType: string;
  readonly authCorpId?: string;
}

/** A decrypted instruction of a suite's instruction callback. */
export type SuiteInstruction =
  | SuiteTicketInstruction
  | CreateAuthInstruction
  | ChangeAuthInstruction
  | CancelAuthInstruction
  | ResetPermanentCodeInstruction;

/** The instruction kinds {@link parseSuiteInstruction} types; any other `InfoType` is an {@link OtherInstruction}. */
export const SUITE_INSTRUCTION_TYPES = [
  'suite_ticket',
  'create_auth',
  'change_auth',
  'cancel_auth',
  'reset_permanent_code',
] as const;

/** WeCom states a suite_ticket is at most 512 bytes; a longer one is not WeCom's. */
const maxTicketLength = 512;
/** WeCom's auth codes are 64–512 bytes; allow shorter ones (the sandbox's) but nothing unbounded. */
const maxAuthCodeLength = 512;

function required(value: string | undefined, tag: string): string {
  if (value === undefined || value.length === 0) throw new InvalidXmlError(`<${tag}> is required`);
  return value;
}

function bounded(value: string, tag: string, max: number): string {
  if (value.length > max) throw new InvalidXmlError(`<${tag}> is longer than ${max} characters`);
  return value;
}

function withOptional<T extends object, K extends string>(
  target: T,
  key: K,
  value: string | undefined,
): T & { readonly [P in K]?: string } {
  return value === undefined ? target : { ...target, [key]: value };
}

/**
 * Parses the decrypted XML of an instruction. The five instructions a login gateway acts on are typed and their
 * fields required (`InvalidXmlError` when one is missing); any other `InfoType` is returned with its header, so the
 * caller can acknowledge what it does not handle. Throws `InvalidXmlError` for XML that is not an instruction.
 *
 * @example
 * ```ts
 * const instruction = parseSuiteInstruction(crypto.decrypt({ ...signed, encrypt }).message);
 * if (instruction.infoType === 'suite_ticket') await tickets.offer(instruction);
 * ```
 */
export function parseSuiteInstruction(
  xml: string,
  options?: XmlParseOptions,
): SuiteInstruction | OtherInstruction {
  const root = parseXmlRoot(xml, options);
  const suiteId = required(readText(root, 'SuiteId'), 'SuiteId');
  const infoType = required(readText(root, 'InfoType'), 'InfoType');
  const stamp = required(readText(root, 'TimeStamp'), 'TimeStamp');
  if (!/^\d{1,12}$/.test(stamp)) throw new InvalidXmlError('<TimeStamp> must be Unix seconds');
  const header = { suiteId, timeStamp: Number(stamp) };
  const authCorpId = readText(root, 'AuthCorpId');
  const state = readText(root, 'State');
  switch (infoType) {
    case 'suite_ticket':
      return {
        ...header,
        infoType,
        suiteTicket: bounded(
          required(readText(root, 'SuiteTicket'), 'SuiteTicket'),
          'SuiteTicket',
          maxTicketLength,
        ),
      };
    case 'create_auth':
      return withOptional(
        {
          ...header,
          infoType,
          authCode: bounded(required(readText(root, 'AuthCode'), 'AuthCode'), 'AuthCode', maxAuthCodeLength),
        },
        'state',
        state,
      );
    case 'change_auth':
      return withOptional(
        { ...header, infoType, authCorpId: required(authCorpId, 'AuthCorpId') },
        'state',
        state,
      );
    case 'cancel_auth':
      return { ...header, infoType, authCorpId: required(authCorpId, 'AuthCorpId') };
    case 'reset_permanent_code':
      return withOptional(
        {
          ...header,
          infoType,
          authCode: bounded(required(readText(root, 'AuthCode'), 'AuthCode'), 'AuthCode', maxAuthCodeLength),
        },
        'authCorpId',
        authCorpId,
      );
    default:
      return withOptional({ ...header, infoType }, 'authCorpId', authCorpId);
  }
}

/**
 * True for the instructions {@link parseSuiteInstruction} types (as opposed to an {@link OtherInstruction}).
 *
 * @example
 * ```ts
 * if (isTypedSuiteInstruction(instruction) && instruction.infoType === 'cancel_auth') {
 *   await uninstall(instruction.authCorpId);
 * }
 * ```
 */
export function isTypedSuiteInstruction(
  instruction: SuiteInstruction | OtherInstruction,
): instruction is SuiteInstruction {
  return (SUITE_INSTRUCTION_TYPES as readonly string[]).includes(instruction.infoType);
}

/** What {@link buildSuiteInstructionXml} writes: an instruction's fields, by their WeCom names. */
export type SuiteInstructionInput = SuiteInstruction | OtherInstruction;

/**
 * Builds the plaintext XML of an instruction, the inverse of {@link parseSuiteInstruction}: what an emulator pushes
 * and tests seal.
 *
 * @example
 * ```ts
 * const xml = buildSuiteInstructionXml({ suiteId, infoType: 'cancel_auth', timeStamp: 1700000000, authCorpId });
 * ```
 */
export function buildSuiteInstructionXml(instruction: SuiteInstructionInput): string {
  const fields = instruction as unknown as Record<string, unknown>;
  const parts = [
    cdataElement('SuiteId', instruction.suiteId),
    cdataElement('InfoType', instruction.infoType),
    textElement('TimeStamp', instruction.timeStamp),
  ];
  for (const [property, tag] of [
    ['suiteTicket', 'SuiteTicket'],
    ['authCode', 'AuthCode'],
    ['authCorpId', 'AuthCorpId'],
    ['state', 'State'],
  ] as const) {
    const value = fields[property];
    if (typeof value === 'string') parts.push(cdataElement(tag, value));
  }
  return `<xml>${parts.join('')}</xml>`;
}
