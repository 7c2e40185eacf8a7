// An unmodified fastify 5 app (the real-app preload tests run it): a JSON hello-world server on
// an ephemeral port that prints {"port"} once listening, and closes after `REQUESTS` requests.
import { setImmediate } from 'node:timers';
import Fastify from 'fastify';

const requests = Number(process.env.REQUESTS ?? 1);
let served = 0;
const app = Fastify();
app.get('/:name', async (request) => {
  served += 1;
  if (served === requests) setImmediate(() => app.close());
  return { hello: request.params.name };
});
app.addHook('onClose', async () => console.log(JSON.stringify({ closed: true, served })));
await app.listen({ port: 0, host: '127.0.0.1' });
console.log(JSON.stringify({ port: app.server.address().port }));
