import { InvalidXmlError } from './errors.js';
import {
  parseXmlRoot,
  readText,
  type XmlElement,
  type XmlParseOptions,
  type XmlValue,
} from './xml-document.js';
import { cdataElement, textElement } from './xml-writer.js';

/** Fields every decrypted callback message may carry (self-built and third-party layouts). */
export interface CallbackMessageHeader {
  toUserName?: string;
  fromUserName?: string;
  /** Unix seconds. */
  createTime?: number;
  msgType?: string;
  event?: string;
  /** Third-party layout: `change_contact` instead of `Event`. */
  infoType?: string;
  suiteId?: string;
  authCorpId?: string;
  /** Third-party layout: Unix seconds. */
  timeStamp?: number;
}

/** One custom attribute of a member (`<ExtAttr><Item>`). */
export interface ExtAttrItem {
  name?: string;
  /** 0 = text, 1 = web link. */
  type?: number;
  text?: { value?: string };
  web?: { url?: string; title?: string };
}

/** Member fields of `create_user` / `update_user`; each is present only if WeCom sent it. */
export interface ContactUserFields {
  userId?: string;
  openUserId?: string;
  name?: string;
  department?: number[];
  mainDepartment?: number;
  isLeaderInDept?: number[];
  directLeader?: string[];
  position?: string;
  mobile?: string;
  gender?: number;
  email?: string;
  bizMail?: string;
  status?: number;
  avatar?: string;
  alias?: string;
  telephone?: string;
  address?: string;
  extAttr?: ExtAttrItem[];
}

/** Department fields of `create_party` / `update_party`. */
export interface ContactPartyFields {
  id?: number;
  name?: string;
  parentId?: number;
  order?: number;
}

interface ParsedMessage {
  /** Every child of `<xml>` as parsed, for fields this package does not model. */
  raw: XmlElement;
}

export interface CreateUserEvent extends CallbackMessageHeader, ContactUserFields, ParsedMessage {
  kind: 'create_user';
}
export interface UpdateUserEvent extends CallbackMessageHeader, ContactUserFields, ParsedMessage {
  kind: 'update_user';
  /** Present when the member's userid was changed; `userId` is then the old one. */
  newUserId?: string;
}
export interface DeleteUserEvent extends CallbackMessageHeader, ParsedMessage {
  kind: 'delete_user';
  userId?: string;
  openUserId?: string;
}
export interface CreatePartyEvent extends CallbackMessageHeader, ContactPartyFields, ParsedMessage {
  kind: 'create_party';
}
export interface UpdatePartyEvent extends CallbackMessageHeader, ContactPartyFields, ParsedMessage {
  kind: 'update_party';
}
export interface DeletePartyEvent extends CallbackMessageHeader, ParsedMessage {
  kind: 'delete_party';
  id?: number;
}
export interface UpdateTagEvent extends CallbackMessageHeader, ParsedMessage {
  kind: 'update_tag';
  tagId?: number;
  addUserItems?: string[];
  delUserItems?: string[];
  addPartyItems?: number[];
  delPartyItems?: number[];
}

/** Any other message or event; its fields are only in `raw`. */
export interface UnknownCallbackMessage extends CallbackMessageHeader, ParsedMessage {
  kind: 'unknown';
  changeType?: string;
}

/** A `change_contact` event (WeCom "通讯录变更事件"). */
export type ChangeContactEvent =
  | CreateUserEvent
  | UpdateUserEvent
  | DeleteUserEvent
  | CreatePartyEvent
  | UpdatePartyEvent
  | DeletePartyEvent
  | UpdateTagEvent;

/** What {@link parseCallbackMessage} returns, discriminated by `kind`. */
export type CallbackMessage = ChangeContactEvent | UnknownCallbackMessage;

type WithoutRaw<T> = T extends unknown ? Omit<T, 'raw'> & { raw?: XmlElement } : never;
/** Input of {@link buildChangeContactXml}: a contact event, `raw` optional and ignored. */
export type ChangeContactEventInput = WithoutRaw<ChangeContactEvent>;

type FieldType = 'string' | 'number' | 'stringList' | 'numberList';
type FieldSpec = readonly [tag: string, property: string, type: FieldType];

const HEADER_FIELDS: readonly FieldSpec[] = [
  ['ToUserName', 'toUserName', 'string'],
  ['FromUserName', 'fromUserName', 'string'],
  ['CreateTime', 'createTime', 'number'],
  ['MsgType', 'msgType', 'string'],
  ['Event', 'event', 'string'],
  ['InfoType', 'infoType', 'string'],
  ['SuiteId', 'suiteId', 'string'],
  ['AuthCorpId', 'authCorpId', 'string'],
  ['TimeStamp', 'timeStamp', 'number'],
];

const USER_FIELDS: readonly FieldSpec[] = [
  ['UserID', 'userId', 'string'],
  ['OpenUserID', 'openUserId', 'string'],
  ['Name', 'name', 'string'],
  ['Department', 'department', 'numberList'],
  ['MainDepartment', 'mainDepartment', 'number'],
  ['IsLeaderInDept', 'isLeaderInDept', 'numberList'],
  ['DirectLeader', 'directLeader', 'stringList'],
  ['Position', 'position', 'string'],
  ['Mobile', 'mobile', 'string'],
  ['Gender', 'gender', 'number'],
  ['Email', 'email', 'string'],
  ['BizMail', 'bizMail', 'string'],
  ['Status', 'status', 'number'],
  ['Avatar', 'avatar', 'string'],
  ['Alias', 'alias', 'string'],
  ['Telephone', 'telephone', 'string'],
  ['Address', 'address', 'string'],
];

const PARTY_FIELDS: readonly FieldSpec[] = [
  ['Id', 'id', 'number'],
  ['Name', 'name', 'string'],
  ['ParentId', 'parentId', 'number'],
  ['Order', 'order', 'number'],
];

const EVENT_FIELDS: Record<ChangeContactEvent['kind'], readonly FieldSpec[]> = {
  create_user: USER_FIELDS,
  update_user: [...USER_FIELDS.slice(0, 1), ['NewUserID', 'newUserId', 'string'], ...USER_FIELDS.slice(1)],
  delete_user: [
    ['UserID', 'userId', 'string'],
    ['OpenUserID', 'openUserId', 'string'],
  ],
  create_party: PARTY_FIELDS,
  update_party: PARTY_FIELDS,
  delete_party: [['Id', 'id', 'number']],
  update_tag: [
    ['TagId', 'tagId', 'number'],
    ['AddUserItems', 'addUserItems', 'stringList'],
    ['DelUserItems', 'delUserItems', 'stringList'],
    ['AddPartyItems', 'addPartyItems', 'numberList'],
    ['DelPartyItems', 'delPartyItems', 'numberList'],
  ],
};

const USER_KINDS = new Set<string>(['create_user', 'update_user']);

function isContactKind(value: string | undefined): value is ChangeContactEvent['kind'] {
  return value !== undefined && Object.hasOwn(EVENT_FIELDS, value);
}

const INTEGER_PATTERN = /^-?\d+$/;

function parseInteger(text: string): number | undefined {
  const trimmed = text.trim();
  if (!INTEGER_PATTERN.test(trimmed)) return undefined;
  const value = Number(trimmed);
  return Number.isSafeInteger(value) ? value : undefined;
}

function splitList(text: string): string[] {
  return text.trim() === '' ? [] : text.split(',').map((item) => item.trim());
}

/** Converts one text field; values that do not fit the type are left out (they stay visible in `raw`). */
function convert(text: string, type: FieldType): string | number | string[] | number[] | undefined {
  switch (type) {
    case 'string':
      return text;
    case 'number':
      return parseInteger(text);
    case 'stringList':
      return splitList(text);
    case 'numberList': {
      const numbers = splitList(text).map(parseInteger);
      return numbers.every((value) => value !== undefined) ? numbers : undefined;
    }
  }
}

function readFields(root: XmlElement, specs: readonly FieldSpec[], target: Record<string, unknown>): void {
  for (const [tag, property, type] of specs) {
    const text = readText(root, tag);
    if (text === undefined) continue;
    const value = convert(text, type);
    if (value !== undefined) target[property] = value;
  }
}

/** An element without children parses as `''`; read it as an element with no fields. */
function asElement(value: XmlValue | undefined): XmlElement | undefined {
  if (value === '') return {};
  return typeof value === 'object' && !Array.isArray(value) ? value : undefined;
}

function readExtAttr(root: XmlElement): ExtAttrItem[] | undefined {
  const extAttr = root.ExtAttr;
  if (extAttr === undefined) return undefined;
  if (extAttr === '') return [];
  const items = asElement(extAttr)?.Item;
  if (!Array.isArray(items)) throw new InvalidXmlError('<ExtAttr> must contain <Item> elements');
  return items.map((entry) => {
    const element = asElement(entry);
    if (element === undefined) throw new InvalidXmlError('<ExtAttr><Item> must be an element');
    const item: ExtAttrItem = {};
    const name = readText(element, 'Name');
    if (name !== undefined) item.name = name;
    const type = readText(element, 'Type');
    const typeNumber = type === undefined ? undefined : parseInteger(type);
    if (typeNumber !== undefined) item.type = typeNumber;
    const text = asElement(element.Text);
    if (text !== undefined) {
      const value = readText(text, 'Value');
      item.text = value === undefined ? {} : { value };
    }
    const web = asElement(element.Web);
    if (web !== undefined) {
      item.web = {};
      const url = readText(web, 'Url');
      if (url !== undefined) item.web.url = url;
      const title = readText(web, 'Title');
      if (title !== undefined) item.web.title = title;
    }
    return item;
  });
}

/**
 * Parses a decrypted callback message. `change_contact` events (self-built `Event` and third-party `InfoType`
 * layouts) become typed variants; every other message is returned as `kind: 'unknown'` with its fields in `raw`.
 * Every field is optional, comma lists become arrays and integers become numbers. Throws `InvalidXmlError`.
 *
 * @example
 * ```ts
 * const event = parseCallbackMessage(crypto.decrypt(request).message);
 * if (event.kind === 'update_user' && event.newUserId) await renameEmployee(event.userId, event.newUserId);
 * ```
 */
export function parseCallbackMessage(xml: string, options?: XmlParseOptions): CallbackMessage {
  const root = parseXmlRoot(xml, options);
  const message: Record<string, unknown> = {};
  readFields(root, HEADER_FIELDS, message);
  const changeType = readText(root, 'ChangeType');
  const isChangeContact = message.event === 'change_contact' || message.infoType === 'change_contact';
  if (!isChangeContact || !isContactKind(changeType)) {
    if (changeType !== undefined) message.changeType = changeType;
    return { kind: 'unknown', ...message, raw: root };
  }
  readFields(root, EVENT_FIELDS[changeType], message);
  if (USER_KINDS.has(changeType)) {
    const extAttr = readExtAttr(root);
    if (extAttr !== undefined) message.extAttr = extAttr;
  }
  return { kind: changeType, ...message, raw: root };
}

function writeField(value: unknown, tag: string, type: FieldType): string {
  switch (type) {
    case 'string':
      return cdataElement(tag, String(value));
    case 'number':
      return textElement(tag, value as number);
    case 'stringList':
    case 'numberList':
      return cdataElement(tag, (value as readonly (string | number)[]).join(','));
  }
}

function writeFields(event: Record<string, unknown>, specs: readonly FieldSpec[]): string[] {
  const parts: string[] = [];
  for (const [tag, property, type] of specs) {
    const value = event[property];
    if (value !== undefined) parts.push(writeField(value, tag, type));
  }
  return parts;
}

function writeExtAttr(items: readonly ExtAttrItem[]): string {
  const body = items.map((item) => {
    const parts: string[] = [];
    if (item.name !== undefined) parts.push(cdataElement('Name', item.name));
    if (item.type !== undefined) parts.push(textElement('Type', item.type));
    if (item.text !== undefined) {
      parts.push(
        `<Text>${item.text.value === undefined ? '' : cdataElement('Value', item.text.value)}</Text>`,
      );
    }
    if (item.web !== undefined) {
      const web = [
        item.web.url === undefined ? '' : cdataElement('Url', item.web.url),
        item.web.title === undefined ? '' : cdataElement('Title', item.web.title),
      ];
      parts.push(`<Web>${web.join('')}</Web>`);
    }
    return `<Item>${parts.join('')}</Item>`;
  });
  return `<ExtAttr>${body.join('')}</ExtAttr>`;
}

/**
 * Builds the plaintext XML of a `change_contact` event, the inverse of {@link parseCallbackMessage}. Without an
 * `infoType`, `MsgType` defaults to `event` and `Event` to `change_contact` (the self-built layout).
 *
 * @example
 * ```ts
 * const xml = buildChangeContactXml({
 *   kind: 'update_user',
 *   toUserName: corpId,
 *   userId: 'zhangsan',
 *   newUserId: 'zhangsan001',
 * });
 * ```
 */
export function buildChangeContactXml(event: ChangeContactEventInput): string {
  if (!isContactKind(event.kind)) throw new TypeError('event.kind must be a change_contact type');
  const fields: Record<string, unknown> = { ...event };
  if (fields.infoType === undefined) {
    fields.msgType ??= 'event';
    fields.event ??= 'change_contact';
  }
  const parts = ['<xml>', ...writeFields(fields, HEADER_FIELDS), cdataElement('ChangeType', event.kind)];
  parts.push(...writeFields(fields, EVENT_FIELDS[event.kind]));
  if (USER_KINDS.has(event.kind) && 'extAttr' in event && event.extAttr !== undefined) {
    parts.push(writeExtAttr(event.extAttr));
  }
  parts.push('</xml>');
  return parts.join('');
}
