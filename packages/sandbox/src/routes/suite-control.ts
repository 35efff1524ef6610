import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { SandboxControl } from '../sandbox-control.js';
import type { SandboxState } from '../sandbox-state.js';
import type { SuiteCallbackInput, SuiteInstallInput, SuiteInstallListInput } from '../suite-control-input.js';
import { answer, answerAsync, objectBody } from './control.js';

type SuiteParams = { Params: { suiteId: string } };
type InstallParams = { Params: { suiteId: string; corpid: string } };

/** One query parameter given at most once. */
function singleQuery(request: FastifyRequest, name: string): string | undefined {
  const value = (request.query as Record<string, unknown>)[name];
  if (value === undefined) return undefined;
  if (typeof value !== 'string') throw new TypeError(`${name} must be given once`);
  return value;
}

/** `?cursor=&limit=&status=` of the installs listing. */
function installListQuery(request: FastifyRequest): SuiteInstallListInput {
  const cursor = singleQuery(request, 'cursor');
  const limit = singleQuery(request, 'limit');
  const status = singleQuery(request, 'status');
  if (limit !== undefined && !/^\d{1,6}$/.test(limit))
    throw new TypeError('limit must be an integer from 1 to 10000');
  return {
    ...(cursor === undefined ? {} : { cursor }),
    ...(limit === undefined ? {} : { limit: Number(limit) }),
    ...(status === undefined ? {} : { status: status as NonNullable<SuiteInstallListInput['status']> }),
  };
}

/**
 * The provider-console side of the sandbox's suites under `/__sandbox/suites` (JSON in and out; 400 on bad input,
 * 404 unknown suite, corp or install, 409 already installed; never 5xx), and the ticket schedule's life cycle.
 */
export function registerSuiteControlRoutes(
  app: FastifyInstance,
  control: SandboxControl,
  state: SandboxState,
): void {
  const suites = control.suites;

  app.get('/__sandbox/suites', (_request, reply) => answer(reply, () => ({ suites: suites.list() })));

  for (const method of ['PUT', 'POST'] as const) {
    app.route<SuiteParams>({
      method,
      url: '/__sandbox/suites/:suiteId/callback',
      handler: (request, reply) =>
        answerAsync(reply, async () =>
          suites.setCallback(request.params.suiteId, objectBody(request) as SuiteCallbackInput),
        ),
    });
  }
  app.delete<SuiteParams>('/__sandbox/suites/:suiteId/callback', (request, reply) =>
    answer(reply, () => suites.clearCallback(request.params.suiteId)),
  );

  app.post<SuiteParams>('/__sandbox/suites/:suiteId/ticket', (request, reply) =>
    answerAsync(reply, async () => suites.pushTicket(request.params.suiteId)),
  );

  app.get<SuiteParams>('/__sandbox/suites/:suiteId/installs', (request, reply) =>
    answer(reply, () => suites.installs(request.params.suiteId, installListQuery(request))),
  );
  app.post<SuiteParams>('/__sandbox/suites/:suiteId/installs', (request, reply) =>
    answerAsync(reply, async () =>
      suites.install(request.params.suiteId, objectBody(request) as SuiteInstallInput),
    ),
  );
  app.delete<InstallParams>('/__sandbox/suites/:suiteId/installs/:corpid', (request, reply) =>
    answerAsync(reply, async () => suites.uninstall(request.params.suiteId, request.params.corpid)),
  );
  app.post<InstallParams>('/__sandbox/suites/:suiteId/installs/:corpid/change', (request, reply) =>
    answerAsync(reply, async () =>
      suites.changeAuth(request.params.suiteId, request.params.corpid, objectBody(request)),
    ),
  );
  app.post<InstallParams>(
    '/__sandbox/suites/:suiteId/installs/:corpid/reset-permanent-code',
    (request, reply) =>
      answerAsync(reply, async () =>
        suites.resetPermanentCode(request.params.suiteId, request.params.corpid),
      ),
  );

  app.post<SuiteParams>('/__sandbox/suites/:suiteId/tokens/expire', (request, reply) =>
    answer(reply, () => suites.expireTokens(request.params.suiteId)),
  );
  app.post<SuiteParams>('/__sandbox/suites/:suiteId/tokens/revoke', (request, reply) =>
    answer(reply, () => suites.revokeTokens(request.params.suiteId)),
  );

  // Tickets are pushed from the moment the sandbox is ready, and never after it closes.
  app.addHook('onReady', async () => state.suiteTickets.start());
  app.addHook('onClose', async () => state.suiteTickets.close());
}
