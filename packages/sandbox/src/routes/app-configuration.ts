import type { FastifyInstance } from 'fastify';
import { AppConfigurationFaults } from '../app-configuration-faults.js';
import type { SandboxState } from '../sandbox-state.js';
import { answer, objectBody } from './control.js';

function agentIdOf(text: string): number {
  if (!/^\d{1,10}$/.test(text)) throw new TypeError('the agentId must be a positive integer');
  return Number(text);
}

/**
 * The control API's app settings (`wecom-auth doctor`'s broken states): `PATCH /__sandbox/apps/:agentId` sets an
 * app's secret, trusted IPs, mini program or visible range; `POST /__sandbox/app-faults {state}` puts the default
 * mini-program app (or `corpid`/`agentId`'s) into a named broken state; `DELETE /__sandbox/app-faults` puts every
 * changed app back.
 */
export function registerAppConfigurationRoutes(app: FastifyInstance, state: SandboxState): void {
  const faults = new AppConfigurationFaults(state.directory, state.random);
  app.patch<{ Params: { agentId: string } }>('/__sandbox/apps/:agentId', (request, reply) =>
    answer(reply, () => faults.patch({ ...objectBody(request), agentId: agentIdOf(request.params.agentId) })),
  );
  app.post('/__sandbox/app-faults', (request, reply) =>
    answer(reply, () =>
      faults.breakApp(objectBody(request) as Parameters<AppConfigurationFaults['breakApp']>[0]),
    ),
  );
  app.delete('/__sandbox/app-faults', (_request, reply) => answer(reply, () => faults.restore()));
}
