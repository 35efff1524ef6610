import { createHash } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { queryValue } from '../request-meta.js';
import type { SandboxState } from '../sandbox-state.js';

const COLOURS = ['#1f7ae0', '#07c160', '#fa9d3b', '#e64340', '#6467f0', '#10aeff', '#576b95', '#91d300'];

function escapeXml(text: string): string {
  return text.replace(/[<>&"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/**
 * `GET /avatars/<userid>.svg[?corpid=…]`: a generated avatar (the member's last character on a colour), so fixtures
 * need no images. A userid is unique only inside its corp: `corpid` picks the corp, else the first corp that has it.
 */
export function registerAvatarRoute(app: FastifyInstance, state: SandboxState): void {
  app.get<{ Params: { file: string } }>('/avatars/:file', (request, reply) => {
    const match = /^(.+)\.svg$/.exec(request.params.file);
    const userid = match?.[1];
    const corpid = queryValue(request, 'corpid');
    const corps =
      corpid === undefined
        ? state.directory.fixture.corps
        : state.directory.fixture.corps.filter((corp) => corp.corpId === corpid);
    const user =
      userid === undefined
        ? undefined
        : corps.map((corp) => state.directory.user(corp, userid)).find((found) => found !== undefined);
    if (user === undefined) return reply.code(404).send({ error: 'not_found', message: 'no such avatar' });
    const colour = COLOURS[(createHash('sha1').update(user.userid).digest()[0] ?? 0) % COLOURS.length];
    const glyph = escapeXml(Array.from(user.name).slice(-1).join('') || '?');
    const svg =
      '<svg xmlns="http://www.w3.org/2000/svg" width="100" height="100" viewBox="0 0 100 100">' +
      `<rect width="100" height="100" fill="${colour ?? COLOURS[0]}"/>` +
      `<text x="50" y="50" dy=".35em" text-anchor="middle" font-size="46" fill="#fff" font-family="sans-serif">${glyph}</text>` +
      '</svg>';
    return reply.code(200).header('content-type', 'image/svg+xml; charset=utf-8').send(svg);
  });
}
