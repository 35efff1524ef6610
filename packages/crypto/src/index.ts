export type {
  CallbackCrypto,
  CallbackCryptoOptions,
  DecryptedCallback,
  DecryptInput,
  DecryptOptions,
  EncryptedCallback,
  EncryptOptions,
  SignatureInput,
  VerifyUrlInput,
} from './callback-crypto.js';
export { CALLBACK_CRYPTO_TYPE_ERRORS, createCallbackCrypto } from './callback-crypto.js';
export type {
  CallbackFreshnessOptions,
  CallbackParameters,
  ParseCallbackParametersOptions,
} from './callback-parameters.js';
export {
  callbackDeliveryId,
  checkCallbackFreshness,
  DEFAULT_CALLBACK_MAX_AGE_SECONDS,
  DEFAULT_CALLBACK_MAX_FUTURE_SKEW_SECONDS,
  isCallbackFresh,
  isWecomEchoPlaintext,
  MAX_ECHO_PLAINTEXT_LENGTH,
  parseCallbackParameters,
} from './callback-parameters.js';
export type { CallbackEnvelope, CallbackEnvelopeInput, EncryptedReply } from './callback-xml.js';
export {
  buildCallbackEnvelope,
  buildEncryptedReply,
  parseCallbackEnvelope,
  parseEncryptedReply,
} from './callback-xml.js';
export { constantTimeEqual } from './constant-time.js';
export type {
  CallbackMessage,
  CallbackMessageHeader,
  ChangeContactEvent,
  ChangeContactEventInput,
  ContactPartyFields,
  ContactUserFields,
  CreatePartyEvent,
  CreateUserEvent,
  DeletePartyEvent,
  DeleteUserEvent,
  ExtAttrItem,
  UnknownCallbackMessage,
  UpdatePartyEvent,
  UpdateTagEvent,
  UpdateUserEvent,
} from './contact-events.js';
export { buildChangeContactXml, parseCallbackMessage } from './contact-events.js';
export type { CallbackParameterName, WecomCryptoErrorCode, WxBizMsgCryptErrorNumber } from './errors.js';
export {
  CallbackCryptoError,
  InvalidCallbackParametersError,
  InvalidXmlError,
  SignatureMismatchError,
  StaleCallbackError,
  UnreadableDisclosureError,
  WatermarkError,
  WecomCryptoError,
  WX_BIZ_MSG_CRYPT_ERRORS,
} from './errors.js';
export type { DecryptMiniProgramDataInput, EncryptMiniProgramDataInput } from './miniprogram-data.js';
export {
  decryptMiniProgramData,
  encryptMiniProgramData,
  MINIPROGRAM_DATA_TYPE_ERRORS,
} from './miniprogram-data.js';
export type {
  DisclosureKind,
  DisclosureWatermark,
  EmailDisclosure,
  EnterpriseUserInfoDisclosure,
  MiniProgramDisclosure,
  MobileDisclosure,
  OpenMiniProgramDisclosureInput,
} from './miniprogram-disclosure.js';
export {
  DEFAULT_DISCLOSURE_MAX_AGE_SECONDS,
  DEFAULT_DISCLOSURE_MAX_FUTURE_SKEW_SECONDS,
  MINIPROGRAM_DISCLOSURE_TYPE_ERRORS,
  openMiniProgramDisclosure,
} from './miniprogram-disclosure.js';
export { rawDataMatchesUserInfo } from './raw-data-consistency.js';
export { signRawData, verifyRawDataSignature } from './raw-data-signature.js';
export type {
  CancelAuthInstruction,
  ChangeAuthInstruction,
  CreateAuthInstruction,
  OtherInstruction,
  ResetPermanentCodeInstruction,
  SuiteInstruction,
  SuiteInstructionInput,
  SuiteTicketInstruction,
} from './suite-instructions.js';
export {
  buildSuiteInstructionXml,
  isTypedSuiteInstruction,
  parseSuiteInstruction,
  SUITE_INSTRUCTION_TYPES,
} from './suite-instructions.js';
export type { XmlElement, XmlParseOptions, XmlValue } from './xml-document.js';
export { DEFAULT_MAX_XML_BYTES } from './xml-document.js';
