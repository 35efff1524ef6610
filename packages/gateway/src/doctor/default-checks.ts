/**
 * The checks `wecom-auth doctor` runs, in their order: the configuration, the network to WeCom, each corp's app
 * (credentials, trusted IP, mini program, visible range) or the third-party app (its credentials, its suite_ticket,
 * the installed corps, its instruction callback), the store and the data keys, each corp's callback, and one real
 * login when asked. A new check is a module under `checks/` added here (or, from elsewhere, with
 * `registry.add(check, { after: 'wecom-credentials' })`).
 */
import { CheckRegistry } from './check-registry.js';
import { callbackUrlCheck } from './checks/callback-url.js';
import { configurationCheck } from './checks/configuration.js';
import { dataKeyCheck } from './checks/data-key.js';
import { loginCheck } from './checks/login.js';
import { storeCheck } from './checks/store.js';
import { suiteCallbackCheck } from './checks/suite-callback.js';
import { suiteCredentialsCheck } from './checks/suite-credentials.js';
import { suiteInstallsCheck } from './checks/suite-installs.js';
import { suiteTicketCheck } from './checks/suite-ticket.js';
import { wecomCredentialsCheck } from './checks/wecom-credentials.js';
import { wecomMiniprogramCheck } from './checks/wecom-miniprogram.js';
import { wecomReachableCheck } from './checks/wecom-reachable.js';
import { wecomTrustedIpCheck } from './checks/wecom-trusted-ip.js';
import { wecomVisibleRangeCheck } from './checks/wecom-visible-range.js';

/**
 * A fresh registry of every built-in check, in order.
 *
 * @example
 * const report = await runDoctor({ env: process.env }, defaultDoctorChecks());
 */
export function defaultDoctorChecks(): CheckRegistry {
  return new CheckRegistry([
    configurationCheck,
    wecomReachableCheck,
    wecomCredentialsCheck,
    wecomTrustedIpCheck,
    wecomMiniprogramCheck,
    wecomVisibleRangeCheck,
    suiteCredentialsCheck,
    suiteTicketCheck,
    suiteInstallsCheck,
    suiteCallbackCheck,
    storeCheck,
    dataKeyCheck,
    callbackUrlCheck,
    loginCheck,
  ]);
}
