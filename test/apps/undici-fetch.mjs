// An unmodified undici 7 client (the real-app preload tests run it): `undici-fetch.mjs PORT N`
// fetches http://127.0.0.1:PORT/<i> N times through one keep-alive pool and prints each body.
import { Agent, fetch } from 'undici';

const [port, count] = process.argv.slice(2).map(Number);
const dispatcher = new Agent();
for (let i = 0; i < count; i += 1) {
  const response = await fetch(`http://127.0.0.1:${port}/u${i}`, { dispatcher });
  console.log(JSON.stringify({ status: response.status, body: await response.text() }));
}
await dispatcher.close();
