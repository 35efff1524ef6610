/**
 * Query parameters that carry credentials or single-use codes. Whatever is logged about a request goes through
 * {@link redactQuery} first; errors carry only the path, so they need no redaction.
 */
export const sensitiveQueryParameters: ReadonlySet<string> = new Set([
  'access_token',
  'corpsecret',
  'suite_access_token',
  'provider_access_token',
  'js_code',
  'code',
  // A third-party suite's credentials and install codes (the install redirect carries `auth_code`).
  'suite_secret',
  'suite_ticket',
  'permanent_code',
  'auth_code',
  'pre_auth_code',
  'provider_secret',
]);

/** A copy of `query` with every sensitive value replaced by `[redacted]`. */
export function redactQuery(query: Readonly<Record<string, string>>): Record<string, string> {
  const copy: Record<string, string> = {};
  for (const [name, value] of Object.entries(query)) {
    copy[name] = sensitiveQueryParameters.has(name) ? '[redacted]' : value;
  }
  return copy;
}
