// An unmodified node:https client (the preload tests run it): `https-get.mjs PORT` GETs / from
// 127.0.0.1 through the global agent, trusting the tests' certificate; prints the body.
import https from 'node:https';
import { readFileSync } from 'node:fs';

const ca = readFileSync(new URL('../fixtures/tls/cert.pem', import.meta.url));
const port = Number(process.argv[2]);
https
  .get({ host: '127.0.0.1', port, path: '/tls', ca }, (res) => {
    let body = '';
    const { authorized } = res.socket;
    res.setEncoding('utf8');
    res.on('data', (chunk) => (body += chunk));
    res.on('end', () => {
      console.log(JSON.stringify({ body, authorized }));
      https.globalAgent.destroy();
    });
  })
  .on('error', (err) => {
    console.log(JSON.stringify({ error: err.message }));
    process.exitCode = 1;
  });
