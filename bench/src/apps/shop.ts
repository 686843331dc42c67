// The HTTP service of the recorder benchmark (its handlers: shop-handlers.ts). argv[2] 'crash'
// makes it throw after startup (archive timing).
import { createServer } from 'node:http';
import { priceOf, route, send } from './shop-handlers.js';

const server = createServer((req, res) => {
  route(req, res).catch((err: Error) => send(res, 500, { error: err.message }));
});
server.listen(0, '127.0.0.1', () => {
  const address = server.address();
  console.log(`listening ${typeof address === 'object' && address ? address.port : 0} ${process.pid}`);
  if (process.argv[2] === 'crash') setTimeout(() => priceOf('no-such-sku'), 20);
});
