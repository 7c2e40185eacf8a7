// An unmodified node:http client (the preload tests run it): `http-get.mjs PORT N` makes N
// keep-alive GETs through the global agent, one after another, and prints each body.
import http from 'node:http';

const [port, count] = process.argv.slice(2).map(Number);
for (let i = 0; i < count; i += 1) {
  const body = await new Promise((resolve, reject) => {
    http
      .get({ host: '127.0.0.1', port, path: `/${i}` }, (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (chunk) => (text += chunk));
        res.on('end', () => resolve(text));
      })
      .on('error', reject);
  });
  console.log(JSON.stringify({ body }));
}
http.globalAgent.destroy();
