// An unmodified ws 8 app (the real-app preload tests run it). `ws-echo.mjs server` echoes every
// message, prints {"port"} once listening and exits after its first client leaves;
// `ws-echo.mjs client PORT N` sends N messages of growing size (up to 256 KiB), prints each
// echo's length and whether it matched, and closes.
import { Buffer } from 'node:buffer';
import { WebSocket, WebSocketServer } from 'ws';

if (process.argv[2] === 'server') {
  const server = new WebSocketServer({ host: '127.0.0.1', port: 0 }, () => {
    console.log(JSON.stringify({ port: server.address().port }));
  });
  server.on('connection', (socket) => {
    socket.on('message', (data, isBinary) => socket.send(data, { binary: isBinary }));
    socket.on('close', () => server.close());
  });
} else {
  const [port, count] = process.argv.slice(3).map(Number);
  const socket = new WebSocket(`ws://127.0.0.1:${port}`);
  await new Promise((resolve, reject) => socket.once('open', resolve).once('error', reject));
  for (let i = 0; i < count; i += 1) {
    const payload = Buffer.alloc(Math.min(256 * 1024, 16 ** i), i);
    const echoed = new Promise((resolve) => socket.once('message', resolve));
    socket.send(payload);
    const data = await echoed;
    console.log(JSON.stringify({ bytes: data.length, same: payload.equals(data) }));
  }
  socket.close();
}
