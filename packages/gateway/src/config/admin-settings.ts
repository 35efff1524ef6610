/**
 * The admin side of a configuration, resolved once at start: the admin tokens (from `WECOM_AUTH_ADMIN_TOKEN` or its
 * file), and the checks that tie the admin and edge settings together. Every problem is pushed, none with a token
 * in it.
 */
import { readSecretFile } from './corps.js';
import { settings } from './settings.js';

/**
 * The settings this module reads and resolves; the configuration holds `adminTokens` instead of the first two.
 *
 * @example
 * const values: Partial<AdminSettingValues> = { adminToken: ['…'], operationsListener: 'admin' };
 */
export interface AdminSettingValues {
  readonly adminToken: readonly string[] | undefined;
  readonly adminTokenFile: string | undefined;
  readonly operationsListener: 'public' | 'admin';
  readonly headersTimeoutMs: number;
  readonly requestTimeoutMs: number;
  readonly port: number;
  readonly adminPort: number;
}

/**
 * The admin tokens a configuration names (empty: no admin listener), and the problems of the admin and edge
 * settings. `sandbox`: sandbox mode, where a token is generated at start when none is configured.
 *
 * @example
 * const adminTokens = resolveAdminTokens(values, !credentials, problems);
 */
export function resolveAdminTokens(
  values: Partial<AdminSettingValues>,
  sandbox: boolean,
  problems: string[],
): string[] {
  let tokens: string[] = [...(values.adminToken ?? [])];
  if (tokens.length === 0 && values.adminTokenFile !== undefined) {
    const text = readSecretFile(values.adminTokenFile, settings.adminTokenFile.env, problems);
    if (text !== undefined) {
      const parsed = settings.adminToken.schema.safeParse(text.split(/[\n,]/).join(','));
      if (parsed.success && parsed.data) tokens = parsed.data;
      else
        problems.push(
          `${settings.adminTokenFile.env}: ${values.adminTokenFile} must hold tokens of at least 24 characters (letters, digits, -._~+/=)`,
        );
    }
  }
  if (values.operationsListener === 'admin' && tokens.length === 0 && !sandbox) {
    problems.push(
      `${settings.operationsListener.env}: admin needs an admin token (${settings.adminToken.env} or ${settings.adminTokenFile.env})`,
    );
  }
  // A setting that did not parse has its own problem listed already and is left out of these comparisons.
  const { requestTimeoutMs, headersTimeoutMs, port, adminPort } = values;
  if (
    requestTimeoutMs !== undefined &&
    headersTimeoutMs !== undefined &&
    requestTimeoutMs < headersTimeoutMs
  ) {
    problems.push(
      `${settings.requestTimeoutMs.env}: must be at least ${settings.headersTimeoutMs.env} (${values.headersTimeoutMs})`,
    );
  }
  if (port !== undefined && port !== 0 && port === adminPort) {
    problems.push(`${settings.adminPort.env}: must differ from ${settings.port.env} (${port})`);
  }
  return tokens;
}
