// An unmodified node:https app (the preload tests run it): a hello-world TLS server with the
// tests' throwaway certificate; prints {"port"} once listening, closes after one request.
import https from 'node:https';
import { readFileSync } from 'node:fs';

const tls = new URL('../fixtures/tls/', import.meta.url);
const server = https.createServer(
  { key: readFileSync(new URL('key.pem', tls)), cert: readFileSync(new URL('cert.pem', tls)) },
  (req, res) => {
    res.end(`secure ${req.url}`);
    server.close();
  },
);
server.listen(0, '127.0.0.1', () => console.log(JSON.stringify({ port: server.address().port })));
