/** The SDK's events: a tiny emitter, since the mini program has no EventEmitter. */
import type { Employee } from './gateway-answers.js';

/** The session as the app sees it (the refresh token stays inside the SDK). Times are epoch milliseconds. */
export interface Session {
  /** The bearer token for the app's own API (the gateway's JWT). */
  readonly accessToken: string;
  /** When `accessToken` expires; the SDK refreshes it before then. */
  readonly expiresAt: number;
  /** When the session itself ends and only a new login helps. */
  readonly refreshExpiresAt: number;
  /** The employee the session belongs to. */
  readonly employee: Employee;
}

/**
 * Why the session ended: `logout` when the app called `logout()`, `session_ended` when the gateway refused the
 * session and logging in again failed.
 */
export interface LogoutEvent {
  /** Who ended the session: the app or the gateway. */
  readonly reason: 'logout' | 'session_ended';
}

/** The events of {@link WecomAuth.on} and the listener each one takes. */
export interface AuthEventMap {
  /** A new session: after a login or a refresh. */
  session: (session: Session) => void;
  /** The session ended: `logout()` was called, or the gateway refused it and logging in again failed. */
  logout: (event: LogoutEvent) => void;
}

/** The name of an SDK event: `session` or `logout`. */
export type AuthEventName = keyof AuthEventMap;

/** The emitter behind {@link WecomAuth.on}; `emit` stays inside the SDK. */
export interface AuthEvents {
  on<E extends AuthEventName>(event: E, listener: AuthEventMap[E]): () => void;
  off<E extends AuthEventName>(event: E, listener: AuthEventMap[E]): void;
  emit<E extends AuthEventName>(event: E, payload: Parameters<AuthEventMap[E]>[0]): void;
}

/** A new emitter with no listeners. */
export function createAuthEvents(): AuthEvents {
  const listeners: { [E in AuthEventName]: Array<AuthEventMap[E]> } = { session: [], logout: [] };

  function checkEvent(method: string, event: unknown, listener: unknown): void {
    if (event !== 'session' && event !== 'logout') {
      throw new TypeError(`${method}: event must be "session" or "logout"`);
    }
    if (typeof listener !== 'function') throw new TypeError(`${method}: listener must be a function`);
  }

  const events: AuthEvents = {
    on(event, listener) {
      checkEvent('on', event, listener);
      (listeners[event] as Array<AuthEventMap[typeof event]>).push(listener);
      return () => events.off(event, listener);
    },
    off(event, listener) {
      checkEvent('off', event, listener);
      const list = listeners[event] as Array<AuthEventMap[typeof event]>;
      const index = list.indexOf(listener);
      if (index !== -1) list.splice(index, 1);
    },
    emit(event, payload) {
      const list = (listeners[event] as Array<(value: typeof payload) => void>).slice();
      for (const listener of list) {
        try {
          listener(payload);
        } catch (error) {
          // A listener's bug must not break the login flow that emitted; rethrown outside it so it still shows.
          setTimeout(() => {
            throw error;
          }, 0);
        }
      }
    },
  };
  return events;
}
