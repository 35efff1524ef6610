import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { SandboxError } from '../errors.js';
import type { AppCreationInput, SandboxControl } from '../sandbox-control.js';

class InvalidJsonError extends Error {}

/** The JSON body of a control call: `{}` when empty; anything that is not UTF-8 JSON is a 400. */
export function jsonBody(request: FastifyRequest): unknown {
  const raw: unknown = request.body;
  if (!Buffer.isBuffer(raw) || raw.length === 0) return {};
  try {
    return JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(raw));
  } catch {
    throw new InvalidJsonError('the request body is not valid UTF-8 JSON');
  }
}

/** Answers a control call: 200 with the result, 204 without one, 4xx with a stable code for bad input. */
export function answer(reply: FastifyReply, run: () => unknown): FastifyReply {
  try {
    const result = run();
    if (result === undefined) return reply.code(204).send();
    return reply.code(200).send(result);
  } catch (error) {
    if (error instanceof SandboxError) {
      return reply.code(error.httpStatus).send({ error: error.code, message: error.message });
    }
    if (error instanceof InvalidJsonError) {
      return reply.code(400).send({ error: 'invalid_json', message: error.message });
    }
    if (error instanceof TypeError) {
      return reply.code(400).send({ error: 'invalid_request', message: error.message });
    }
    throw error;
  }
}

/** {@link answer} for operations that resolve later (directory changes wait for the first callback delivery). */
export async function answerAsync(reply: FastifyReply, run: () => Promise<unknown>): Promise<FastifyReply> {
  let result: unknown;
  try {
    result = await run();
  } catch (error) {
    return answer(reply, () => {
      throw error;
    });
  }
  return answer(reply, () => result);
}

/** The body as an object of fields (`{}` when empty); arrays and scalars are refused. */
export function objectBody(request: FastifyRequest): Record<string, unknown> {
  const body = jsonBody(request);
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw new TypeError('the body must be a JSON object');
  }
  return body as Record<string, unknown>;
}

/** `?corpid=` of a DELETE, which has no body. */
function corpQuery(request: FastifyRequest): { corpid?: string } {
  const corpid = (request.query as Record<string, unknown>).corpid;
  if (corpid === undefined) return {};
  if (typeof corpid !== 'string') throw new TypeError('corpid must be given once');
  return { corpid };
}

function departmentId(text: string): number {
  if (!/^\d{1,10}$/.test(text)) throw new TypeError('the department id must be a positive integer');
  return Number(text);
}

function agentIdOf(text: string): number {
  if (!/^\d{1,10}$/.test(text)) throw new TypeError('the agentId must be a positive integer');
  return Number(text);
}

function deliveryId(text: string): number {
  if (!/^\d{1,15}$/.test(text)) throw new TypeError('the delivery id must be a positive integer');
  return Number(text);
}

/** The control API under `/__sandbox/` (JSON in and out; 400 on bad input, never 5xx). */
export function registerControlRoutes(app: FastifyInstance, control: SandboxControl): void {
  app.post('/__sandbox/login', (request, reply) =>
    answer(reply, () => control.login(jsonBody(request) as Parameters<SandboxControl['login']>[0])),
  );

  app.post('/__sandbox/oauth-code', (request, reply) =>
    answer(reply, () => control.oauthCode(jsonBody(request) as Parameters<SandboxControl['oauthCode']>[0])),
  );

  app.post('/__sandbox/faults', (request, reply) =>
    answer(reply, () => control.addFault(jsonBody(request) as Parameters<SandboxControl['addFault']>[0])),
  );
  app.get('/__sandbox/faults', (_request, reply) => answer(reply, () => ({ faults: control.faults() })));
  app.delete('/__sandbox/faults', (_request, reply) => answer(reply, () => control.clearFaults()));
  app.delete<{ Params: { id: string } }>('/__sandbox/faults/:id', (request, reply) =>
    answer(reply, () => control.clearFaults(request.params.id)),
  );

  app.get('/__sandbox/clock', (_request, reply) => answer(reply, () => control.clock()));
  // Answers once the suite_tickets that fell due have had their first try, so a test sees them delivered.
  app.post('/__sandbox/clock', (request, reply) =>
    answerAsync(reply, async () => {
      const body = jsonBody(request);
      const advance: unknown =
        typeof body === 'object' && body !== null
          ? (body as Record<string, unknown>).advanceSeconds
          : undefined;
      if (
        typeof body !== 'object' ||
        body === null ||
        Array.isArray(body) ||
        Object.keys(body).length !== 1
      ) {
        throw new TypeError('the body must be {"advanceSeconds": <seconds>}');
      }
      const clock = control.advanceClock(advance as number);
      await control.suites.ticketPushesSettled();
      return clock;
    }),
  );

  app.post('/__sandbox/tokens/expire', (request, reply) =>
    answer(reply, () =>
      control.expireTokens(jsonBody(request) as Parameters<SandboxControl['expireTokens']>[0]),
    ),
  );
  app.post('/__sandbox/tokens/revoke', (request, reply) =>
    answer(reply, () =>
      control.revokeTokens(jsonBody(request) as Parameters<SandboxControl['revokeTokens']>[0]),
    ),
  );

  app.get('/__sandbox/calls', (_request, reply) => answer(reply, () => control.calls()));
  app.delete('/__sandbox/calls', (_request, reply) => answer(reply, () => control.resetCalls()));

  app.post('/__sandbox/encrypt', (request, reply) =>
    answer(reply, () => control.encrypt(jsonBody(request) as Parameters<SandboxControl['encrypt']>[0])),
  );

  app.get('/__sandbox/directory', (_request, reply) => answer(reply, () => control.directory()));
  app.post('/__sandbox/reset', (_request, reply) => answer(reply, () => control.reset()));

  // Directory changes push change_contact events to the apps' callback URLs.
  app.post('/__sandbox/directory/users', (request, reply) =>
    answerAsync(reply, () => control.createUser(objectBody(request))),
  );
  app.patch<{ Params: { userid: string } }>('/__sandbox/directory/users/:userid', (request, reply) =>
    answerAsync(reply, () => control.updateUser(request.params.userid, objectBody(request))),
  );
  app.delete<{ Params: { userid: string } }>('/__sandbox/directory/users/:userid', (request, reply) =>
    answerAsync(reply, () => control.deleteUser(request.params.userid, corpQuery(request))),
  );
  // An app's age decides what its user/get answers hold; no callback goes out for it.
  app.patch<{ Params: { agentId: string } }>('/__sandbox/directory/apps/:agentId', (request, reply) =>
    answer(reply, () =>
      control.setAppCreation({
        ...(objectBody(request) as Omit<AppCreationInput, 'agentId'>),
        agentId: agentIdOf(request.params.agentId),
      }),
    ),
  );
  app.post('/__sandbox/directory/departments', (request, reply) =>
    answerAsync(reply, () =>
      control.createDepartment(objectBody(request) as Parameters<SandboxControl['createDepartment']>[0]),
    ),
  );
  app.patch<{ Params: { id: string } }>('/__sandbox/directory/departments/:id', (request, reply) =>
    answerAsync(reply, async () =>
      control.updateDepartment(departmentId(request.params.id), objectBody(request)),
    ),
  );
  app.delete<{ Params: { id: string } }>('/__sandbox/directory/departments/:id', (request, reply) =>
    answerAsync(reply, async () =>
      control.deleteDepartment(departmentId(request.params.id), corpQuery(request)),
    ),
  );

  app.post('/__sandbox/callbacks', (request, reply) =>
    answerAsync(reply, () =>
      control.setCallback(objectBody(request) as Parameters<SandboxControl['setCallback']>[0]),
    ),
  );
  app.get('/__sandbox/callbacks', (_request, reply) =>
    answer(reply, () => ({ deliveries: control.callbacks() })),
  );
  app.post('/__sandbox/callbacks/delivery', (request, reply) =>
    answer(reply, () => control.configureCallbacks(objectBody(request))),
  );
  app.post('/__sandbox/callbacks/flush', (_request, reply) =>
    answerAsync(reply, () => control.flushCallbacks()),
  );
  app.get('/__sandbox/callbacks/deliveries', (_request, reply) =>
    answer(reply, () => ({ deliveries: control.callbacks() })),
  );
  app.post('/__sandbox/callbacks/hold', (_request, reply) => answer(reply, () => control.holdCallbacks()));
  app.post('/__sandbox/callbacks/release', (_request, reply) =>
    answerAsync(reply, () => control.releaseCallbacks()),
  );
  app.post<{ Params: { id: string } }>('/__sandbox/callbacks/deliveries/:id/replay', (request, reply) =>
    answerAsync(reply, async () =>
      control.replayCallback(deliveryId(request.params.id), objectBody(request)),
    ),
  );
  // Pending retries must not outlive the sandbox.
  app.addHook('onClose', async () => control.closeCallbacks());
}
