// An unmodified ESM node:net app using named imports (the preload must re-sync them): a server
// and a client in one process; prints the echo.
import { connect, createServer } from 'node:net';

const server = createServer((socket) => socket.pipe(socket));
server.listen(0, '127.0.0.1', () => {
  const socket = connect(server.address().port, '127.0.0.1', () => socket.end('named'));
  let echo = '';
  socket.on('data', (chunk) => (echo += chunk));
  socket.on('end', () => {
    console.log(JSON.stringify({ echo }));
    server.close();
  });
});
