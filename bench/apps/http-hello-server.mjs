// The HTTP suite's server: a plain node:http hello world, written as any app would be (the
// suite runs it under `--import sanswitch/register` or without); prints {"port"} when
// listening and serves until SIGTERM.
import http from 'node:http';

const server = http.createServer((req, res) => res.end('hello world'));
server.keepAliveTimeout = 60_000;
server.listen(0, '127.0.0.1', () => console.log(JSON.stringify({ port: server.address().port })));
process.on('SIGTERM', () => process.exit(0));
