// An unmodified CommonJS node:net app (the preload tests run it with -r): `net-echo.cjs server`
// echoes and prints {"port"}; `net-echo.cjs client PORT TEXT` sends TEXT, prints the echo and
// whether its socket is a net.Socket (under the preload it is not: see README).
const net = require('node:net');

if (process.argv[2] === 'server') {
  const server = net.createServer((socket) => socket.pipe(socket));
  server.listen(0, '127.0.0.1', () => console.log(JSON.stringify({ port: server.address().port })));
} else {
  const [, , , port, text] = process.argv;
  const socket = net.connect(Number(port), '127.0.0.1', () => socket.end(text));
  let echo = '';
  socket.on('data', (chunk) => (echo += chunk));
  socket.on('end', () => {
    console.log(JSON.stringify({ echo, isNetSocket: socket instanceof net.Socket }));
  });
}
