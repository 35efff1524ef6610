import type { FastifyRequest } from 'fastify';

/** Per-request bookkeeping shared by the hooks and the route handlers. */
export interface RequestMeta {
  startedAt: number;
  /** ISO time on the sandbox clock when the request arrived. */
  at: string;
  /** errcode of the answer, `null` when it had none. */
  errcode: number | null;
  /** The corp whose credentials the call carried, once known (see `CallRecord.corpId`). */
  corpId: string | null;
  /** Set by a delay-only fault: the answer is held back this long. */
  delayMs: number;
  /** The concurrency slot to give back when the answer has been sent. */
  inFlight?: { corpId: string; api: string };
}

const metas = new WeakMap<FastifyRequest, RequestMeta>();

export function initRequestMeta(request: FastifyRequest, at: string): RequestMeta {
  const meta: RequestMeta = { startedAt: performance.now(), at, errcode: null, corpId: null, delayMs: 0 };
  metas.set(request, meta);
  return meta;
}

export function requestMeta(request: FastifyRequest): RequestMeta {
  let meta = metas.get(request);
  if (meta === undefined) {
    meta = initRequestMeta(request, new Date().toISOString());
  }
  return meta;
}

/** The caller's IPv4 address as WeCom would print it (IPv4-mapped IPv6 unwrapped). */
export function callerIp(request: FastifyRequest): string {
  const ip = request.ip;
  return ip.startsWith('::ffff:') ? ip.slice('::ffff:'.length) : ip;
}

/** The first value of a query parameter; repeated parameters keep the first. */
export function queryValue(request: FastifyRequest, name: string): string | undefined {
  const query = request.query;
  if (typeof query !== 'object' || query === null) return undefined;
  const raw: unknown = (query as Record<string, unknown>)[name];
  const first: unknown = Array.isArray(raw) ? raw[0] : raw;
  return typeof first === 'string' ? first : undefined;
}

/** The path part of the request URL. */
export function requestPath(request: FastifyRequest): string {
  const url = request.url;
  const q = url.indexOf('?');
  return q === -1 ? url : url.slice(0, q);
}
