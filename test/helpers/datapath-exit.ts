// The child of shm-datapath.test.ts's process-exit test (`datapath-exit.ts PORT`, spawned
// without an IPC channel): listens, connects to 127.0.0.1:PORT, exchanges a ping, prints
// one JSON line {transport, echoed}, then destroys its socket and closes its server. With
// nothing else open it must then exit on its own, as a node:net process does.
import { connect, createServer } from '../../src/index.js';

// Whatever happens, this process goes away (unref'd: it does not keep the process alive).
setTimeout(() => process.exit(3), 60_000).unref();

const server = createServer(() => {});
server.listen(0, '127.0.0.1', () => {
  const socket = connect({ port: Number(process.argv[2]), host: '127.0.0.1' }, () => {
    socket.write('ping');
  });
  socket.once('data', (chunk: Buffer) => {
    process.stdout.write(
      `${JSON.stringify({ transport: socket.transport, echoed: String(chunk) })}\n`,
    );
    socket.destroy();
    server.close();
  });
});
