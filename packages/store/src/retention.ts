/**
 * How long an applied callback event is remembered, so that a WeCom retry of it is still recognised as a duplicate.
 * WeCom retries an unacknowledged callback within seconds; days leave ample room for a gateway that was down. It
 * also outlasts the longest window in which the gateway accepts a callback's timestamp (its largest maximum age, a
 * day, plus the future skew it allows), so a captured delivery replayed inside that window is still known.
 */
export const APPLIED_EVENT_RETENTION_MS = 3 * 24 * 3_600_000;

/**
 * How long a session outlives its refresh lifetime where the backend drops rows by itself (Redis TTLs): a late
 * refresh is then told `expired` rather than `unknown`, and `deleteExpired` can still count the session.
 */
export const EXPIRED_SESSION_GRACE_MS = 24 * 3_600_000;

/**
 * How long an uninstall's tombstone is kept by default (30 days), so that a late install event older than the
 * uninstall cannot bring the corp back. WeCom retries an unanswered callback within hours, the gateway refuses
 * callbacks older than its acceptance window (a day at most), and a create_auth's AuthCode is good for 10 minutes:
 * no event that old could still arrive, let alone be acted on. The adapters take `installTombstoneRetentionMs`.
 */
export const INSTALL_TOMBSTONE_RETENTION_MS = 30 * 24 * 3_600_000;
