// An unmodified node:http app (the preload tests run it): a hello-world server on an ephemeral
// port that prints {"port"} once listening, and closes after serving `REQUESTS` requests.
import http from 'node:http';

const requests = Number(process.env.REQUESTS ?? 1);
let served = 0;
const server = http.createServer((req, res) => {
  res.end(`hello ${req.url}`);
  served += 1;
  if (served === requests) server.close();
});
server.listen(0, '127.0.0.1', () => {
  console.log(JSON.stringify({ port: server.address().port, listening: server.listening }));
});
server.on('close', () => console.log(JSON.stringify({ closed: true, served })));
