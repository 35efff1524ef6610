/**
 * Where things are in the WeCom admin console (work.weixin.qq.com/wework_admin), by the labels of its English and its
 * Chinese interface, in one place so that every check says it the same way. A mini program associated with a corp is
 * listed among its apps, with its own Secret, visible range, trusted IPs and message receiving. A third-party app is
 * set up in the provider console (服务商管理后台) instead: its SuiteID and Secret, its instruction callback (where
 * WeCom pushes the suite_ticket, and the 刷新ticket button that pushes one now) and its test install.
 */
import type { ConsolePath } from './doctor-check.js';

export const consolePaths = {
  corpId: {
    en: 'My Company › Company Information › Corp ID',
    zh: '我的企业 › 企业信息 › 企业ID',
  },
  secret: {
    en: 'App Management › Mini Programs › (your mini program) › Secret › View',
    zh: '应用管理 › 小程序 › （你的小程序）› Secret › 查看',
  },
  associate: {
    en: 'App Management › Mini Programs › Associate Mini Program',
    zh: '应用管理 › 小程序 › 关联小程序',
  },
  trustedIp: {
    en: 'App Management › Mini Programs › (your mini program) › Developer API › Trusted IP › Configure',
    zh: '应用管理 › 小程序 › （你的小程序）› 开发者接口 › 企业可信IP › 配置',
  },
  visibleRange: {
    en: 'App Management › Mini Programs › (your mini program) › Visible to › Edit',
    zh: '应用管理 › 小程序 › （你的小程序）› 可见范围 › 编辑',
  },
  callback: {
    en: 'App Management › Mini Programs › (your mini program) › Receive Messages › Set API Receiving',
    zh: '应用管理 › 小程序 › （你的小程序）› 接收消息 › 设置API接收',
  },
  suiteBasicInfo: {
    en: 'App management › (the app) › Basic info (SuiteID, Secret)',
    zh: '应用管理 › （你的应用）› 基本信息（SuiteID、Secret）',
    site: 'provider',
  },
  suiteInstructionCallback: {
    en: 'App management › (the app) › Callback settings › Instruction callback URL (and Refresh ticket)',
    zh: '应用管理 › （你的应用）› 回调配置 › 指令回调URL（及 刷新ticket）',
    site: 'provider',
  },
  suiteTestInstall: {
    en: 'App management › (the app) › Test install',
    zh: '应用管理 › （你的应用）› 测试安装',
    site: 'provider',
  },
  providerTrustedIp: {
    en: 'Provider information › Basic info › IP allowlist',
    zh: '服务商信息 › 基本信息 › IP白名单',
    site: 'provider',
  },
} as const satisfies Record<string, ConsolePath>;
