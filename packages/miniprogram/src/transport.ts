/**
 * How the SDK reaches the network: a promise-returning `request` function. The default wraps `wx.request`; tests
 * and other runtimes pass their own.
 */
import type { WxLike } from './wx-types.js';

/** One HTTP request the SDK asks a {@link RequestFunction} to send. */
export interface TransportRequest {
  /** The absolute URL. */
  readonly url: string;
  /** The HTTP method. */
  readonly method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE' | 'HEAD' | 'OPTIONS';
  /** The request headers, `Authorization` included when the request is authorized. */
  readonly header: Record<string, string>;
  /** The body, to be sent as JSON; absent for none. */
  readonly data?: unknown;
  /** Milliseconds. */
  readonly timeout: number;
}

/** An HTTP answer, whatever its status. */
export interface TransportResponse {
  /** The HTTP status. */
  readonly statusCode: number;
  /** The parsed JSON body, or the raw text when it is not JSON. */
  readonly data: unknown;
  /** The response headers, when the transport gives them. */
  readonly header?: Record<string, string>;
}

/** Resolves with any HTTP answer (whatever its status); rejects only when no answer came. */
export type RequestFunction = (request: TransportRequest) => PromiseLike<TransportResponse>;

/** `wx.request` as a {@link RequestFunction}. */
export function wxRequestTransport(wx: WxLike): RequestFunction {
  return (request) =>
    new Promise<TransportResponse>((resolve, reject) => {
      const send = wx.request;
      if (typeof send !== 'function') {
        reject(new Error('wx.request is not available'));
        return;
      }
      const options = {
        url: request.url,
        method: request.method,
        header: request.header,
        timeout: request.timeout,
        dataType: 'json',
        success: (result: { statusCode: number; data: unknown; header?: Record<string, string> }) =>
          resolve(result),
        fail: (failure: { errMsg?: string }) =>
          reject(new Error(typeof failure?.errMsg === 'string' ? failure.errMsg : 'wx.request failed')),
      };
      send.call(wx, request.data === undefined ? options : Object.assign(options, { data: request.data }));
    });
}
