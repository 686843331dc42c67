/**
 * A route's handler is named by its route (`GET /users/:id`), as tracing tools name requests: the
 * last argument of a router's method for an HTTP verb whose first argument is a path, or the
 * `handler` of a route declared as an object. Everything else keeps the name it had.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { instrument } from '../../src/instrument/index.js';

const CODE = `
app.get('/users/:id', async (req, res) => res.json({}));
router.post(\`/orders\`, auth, function (req, res) { res.end(); });
fastify.delete('/items/:id', { schema: {} }, async (request) => ({ ok: true }));
app.all('*', (req, res) => res.end());
app.get('/a', function handler(req, res) { res.end(); });
cache.get('user:1', () => load());
map.get(key, () => 1);
app.use('/static', (req, res, next) => next());
items.get('/x', () => 1, extra);
app.get(\`/t/\${v}\`, () => 1);
app.get('/chain', (req, res, next) => next(), (req, res) => res.end());
fastify.route({ method: 'GET', url: '/items', handler: async (request) => [] });
fastify.route({ method: ['POST', 'PUT'], url: '/items/:id', async handler(request) { return request.body; } });
server.route({ method: 'GET', path: '/health', handler: (request, h) => 'ok' });
options.route({ method: 'GET', url: someUrl, handler: () => 1 });
const plugin = { handler: () => 1 };
`;

describe('route handlers are named by their route', () => {
  it('the last argument of app.get/post/put/patch/delete/head/options/all with a path first, and the handler of a route declared as an object (fastify.route, hapi); not a key, a middleware, a computed path or another argument', () => {
    const out = instrument(CODE, '/app/server.js', undefined, { sparse: true, modules: true });
    const names = out.sites.filter((s) => s.kind === 'function' && !s.module).map((s) => `${s.line} ${s.functionName}`);
    assert.deepEqual(names, [
      '2 GET /users/:id',
      '3 POST /orders',
      '4 DELETE /items/:id',
      '5 ALL *',
      '6 handler',
      '7 <anonymous>',
      '8 <anonymous>',
      '9 <anonymous>',
      '10 <anonymous>',
      '11 <anonymous>',
      '12 <anonymous>',
      '12 GET /chain',
      '13 GET /items',
      '14 POST,PUT /items/:id',
      '15 GET /health',
      '16 handler',
      '17 handler',
    ]);
  });
});
