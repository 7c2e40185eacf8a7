// An unmodified express 5 app (the real-app preload tests run it): a hello-world server on an
// ephemeral port that prints {"port"} once listening, and closes after `REQUESTS` requests.
import express from 'express';

const requests = Number(process.env.REQUESTS ?? 1);
let served = 0;
const app = express();
app.get('/:name', (req, res) => {
  res.send(`express says hello to ${req.params.name}`);
  served += 1;
  if (served === requests) server.close();
});
const server = app.listen(0, '127.0.0.1', () => {
  console.log(JSON.stringify({ port: server.address().port }));
});
server.on('close', () => console.log(JSON.stringify({ closed: true, served })));
