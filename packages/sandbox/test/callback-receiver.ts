/** A callback receiver for the tests: checks every request as a real app would and records it. */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  type CallbackMessage,
  createCallbackCrypto,
  parseCallbackEnvelope,
  parseCallbackMessage,
} from '@wecom-auth/crypto';
import { DEMO_CORP_ID } from '../src/index.js';

export const TOKEN = 'cbToken123';
export const AES_KEY = 'abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG';
export const crypto = createCallbackCrypto({
  token: TOKEN,
  encodingAESKey: AES_KEY,
  receiveId: DEMO_CORP_ID,
});

export interface Received {
  method: string;
  query: URLSearchParams;
  body: string;
  contentType: string | undefined;
}

/** A callback receiver that checks every request as a real app would, and answers with `status()`. */
export class Receiver {
  readonly requests: Received[] = [];
  status = 200;
  echoWrong = false;
  private server: Server;

  constructor() {
    this.server = createServer((request, response) => this.handle(request, response));
  }

  async listen(): Promise<string> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/hook`;
  }

  close(): Promise<void> {
    this.server.closeAllConnections();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }

  /** The decrypted events of every POST, after checking each signature. */
  events(): CallbackMessage[] {
    return this.requests
      .filter((request) => request.method === 'POST')
      .map((request) => {
        const { encrypt } = parseCallbackEnvelope(request.body);
        const { message } = crypto.decrypt({
          msgSignature: request.query.get('msg_signature') ?? '',
          timestamp: request.query.get('timestamp') ?? '',
          nonce: request.query.get('nonce') ?? '',
          encrypt,
        });
        return parseCallbackMessage(message);
      });
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
        const echo = crypto.verifyUrl({
          msgSignature: query.get('msg_signature') ?? '',
          timestamp: query.get('timestamp') ?? '',
          nonce: query.get('nonce') ?? '',
          echostr: query.get('echostr') ?? '',
        });
        response.end(this.echoWrong ? `"${echo}"` : echo);
        return;
      }
      response.statusCode = this.status;
      response.end('');
    });
  }
}
