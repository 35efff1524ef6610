/** A suite's instruction-callback (指令回调) receiver for the tests: checks every request as a provider would. */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  type CallbackCrypto,
  createCallbackCrypto,
  parseCallbackEnvelope,
  parseCallbackMessage,
} from '@wecom-auth/crypto';
import { demoSuite } from '../src/index.js';

/** One decrypted instruction: its XML fields as text, and the envelope it came in. */
export interface Instruction {
  fields: Record<string, string>;
  toUserName: string | undefined;
  agentId: string | undefined;
  receiveId: string;
  query: URLSearchParams;
}

export interface ReceivedRequest {
  method: string;
  query: URLSearchParams;
  body: string;
  contentType: string | undefined;
}

export class SuiteReceiver {
  readonly requests: ReceivedRequest[] = [];
  /** What POSTs are answered with: WeCom wants the literal `success`. */
  answer = 'success';
  status = 200;
  readonly crypto: CallbackCrypto;
  private readonly server: Server;
  private waiters: { count: number; resolve: () => void }[] = [];

  constructor(suite: { suiteId: string; token: string; encodingAESKey: string } = demoSuite) {
    this.crypto = createCallbackCrypto({
      token: suite.token,
      encodingAESKey: suite.encodingAESKey,
      receiveId: suite.suiteId,
    });
    this.server = createServer((request, response) => this.handle(request, response));
  }

  async listen(): Promise<string> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/suite-callback`;
  }

  close(): Promise<void> {
    this.server.closeAllConnections();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }

  /** Every POST, signature checked and decrypted (receiveId must be the suite_id). */
  instructions(): Instruction[] {
    return this.requests
      .filter((request) => request.method === 'POST')
      .map((request) => {
        const envelope = parseCallbackEnvelope(request.body);
        const { message, receiveId } = this.crypto.decrypt({
          msgSignature: request.query.get('msg_signature') ?? '',
          timestamp: request.query.get('timestamp') ?? '',
          nonce: request.query.get('nonce') ?? '',
          encrypt: envelope.encrypt,
        });
        const fields: Record<string, string> = {};
        for (const [tag, value] of Object.entries(parseCallbackMessage(message).raw)) {
          if (typeof value === 'string') fields[tag] = value;
        }
        return {
          fields,
          toUserName: envelope.toUserName,
          agentId: envelope.agentId,
          receiveId,
          query: request.query,
        };
      });
  }

  /** The instructions of one InfoType, oldest first. */
  ofType(infoType: string): Record<string, string>[] {
    return this.instructions()
      .filter((instruction) => instruction.fields.InfoType === infoType)
      .map((instruction) => instruction.fields);
  }

  /** Resolves once `count` POSTs have arrived in all. */
  waitForPosts(count: number): Promise<void> {
    if (this.posts() >= count) return Promise.resolve();
    return new Promise((resolve) => this.waiters.push({ count, resolve }));
  }

  private posts(): number {
    return this.requests.filter((request) => request.method === 'POST').length;
  }

  private handle(request: IncomingMessage, response: ServerResponse): void {
    let body = '';
    request.on('data', (chunk: Buffer) => {
      body += chunk.toString();
    });
    request.on('end', () => {
      const query = new URL(request.url ?? '/', 'http://x').searchParams;
      this.requests.push({
        method: request.method ?? '',
        query,
        body,
        contentType: request.headers['content-type'],
      });
      if (request.method === 'GET') {
        response.end(
          this.crypto.verifyUrl({
            msgSignature: query.get('msg_signature') ?? '',
            timestamp: query.get('timestamp') ?? '',
            nonce: query.get('nonce') ?? '',
            echostr: query.get('echostr') ?? '',
          }),
        );
        return;
      }
      response.statusCode = this.status;
      response.end(this.answer);
      const posts = this.posts();
      this.waiters = this.waiters.filter((waiter) => {
        if (posts < waiter.count) return true;
        waiter.resolve();
        return false;
      });
    });
  }
}
