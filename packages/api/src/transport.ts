/**
 * The HTTP transport: one function from a request to the raw answer, over undici with keep-alive. It turns
 * timeouts and connection failures into typed errors; everything about WeCom's JSON is the request core's job.
 */
import { Agent, type Dispatcher } from 'undici';
import { WecomNetworkError, WecomTimeoutError } from './errors.js';
import { UndiciExchange } from './undici-exchange.js';

/** What the request core hands a {@link Transport}: one HTTP exchange to make. */
export interface TransportRequest {
  /** WeCom's APIs are GET or POST. */
  readonly method: 'GET' | 'POST';
  /** The full URL, credentials included: it must never be logged or put in an error. */
  readonly url: URL;
  /** The API path alone, for errors. */
  readonly apiPath: string;
  /** The call has no effect at WeCom: a timeout says so (`WecomTimeoutError.idempotent`) and is tried again. */
  readonly idempotent?: boolean;
  /** The JSON body of a POST. */
  readonly body?: string;
}

/** The raw answer of one exchange, whatever its status; the request core reads WeCom's JSON from it. */
export interface TransportResponse {
  /** The HTTP status. */
  readonly status: number;
  /** The `Content-Type` header, if any. */
  readonly contentType: string | undefined;
  /** The body as text. */
  readonly body: string;
}

/**
 * The HTTP port of the client (the `transport` option): resolves with any answer, and throws `WecomTimeoutError`
 * (with `idempotent` from the request) or `WecomNetworkError` when no complete answer came, so that the retry ladder
 * treats them as it treats its own.
 *
 * @example
 * const transport: Transport = async ({ method, url, body }) => {
 *   const response = await fetch(url, { method, body });
 *   return {
 *     status: response.status,
 *     contentType: response.headers.get('content-type') ?? undefined,
 *     body: await response.text(),
 *   };
 * };
 */
export type Transport = (request: TransportRequest) => Promise<TransportResponse>;

/** Upper bound of a WeCom answer we are willing to buffer; the largest real ones (department/list) are far smaller. */
const maxBodyBytes = 8 * 1024 * 1024;

let sharedAgent: Agent | undefined;

/** One keep-alive pool per process, so many clients (one per app) share sockets to the same host. */
function defaultDispatcher(): Agent {
  sharedAgent ??= new Agent({ keepAliveTimeout: 30_000, keepAliveMaxTimeout: 60_000, connections: 128 });
  return sharedAgent;
}

function errorCode(error: unknown): string | undefined {
  for (let current: unknown = error, depth = 0; current && depth < 4; depth++) {
    const code = (current as { code?: unknown }).code;
    if (typeof code === 'string') return code;
    current = (current as { cause?: unknown }).cause;
  }
  return undefined;
}

/** The headers of a GET, and of a POST (JSON body): the same objects for every call. */
const getHeaders = { accept: 'application/json' } as const;
const postHeaders = { accept: 'application/json', 'content-type': 'application/json' } as const;

/**
 * An undici transport with an overall deadline per request (connect, headers and body together).
 *
 * @example
 * const transport = createUndiciTransport({ timeoutMs: 5_000, dispatcher: new Agent({ connections: 16 }) });
 */
export function createUndiciTransport(options: { timeoutMs: number; dispatcher?: Dispatcher }): Transport {
  const dispatcher = options.dispatcher ?? defaultDispatcher();
  const { timeoutMs } = options;

  return ({ method, url, apiPath, idempotent, body }) =>
    new Promise<TransportResponse>((resolve, reject) => {
      // The deadline answers at once, even while undici is still connecting; the exchange is ended behind it.
      const timer = setTimeout(() => {
        const timeout = new WecomTimeoutError({ timeoutMs, apiPath, idempotent: idempotent === true });
        exchange.abort(timeout);
        reject(timeout);
      }, timeoutMs);
      const exchange = new UndiciExchange(maxBodyBytes, (error, answer) => {
        clearTimeout(timer);
        if (answer) resolve(answer);
        // The cause is kept for debugging; undici's errors name host and port, never the query string.
        else reject(new WecomNetworkError({ apiPath, causeCode: errorCode(error), cause: error }));
      });
      // `dispatch` reports a refused request (a closed dispatcher) through the handler too.
      dispatcher.dispatch(
        {
          origin: url.origin,
          path: url.pathname + url.search,
          method,
          headers: body === undefined ? getHeaders : postHeaders,
          ...(body === undefined ? {} : { body }),
        },
        exchange,
      );
    });
}
