// `sanswitch listen PORT [HOST]`: netcat's listener over the switch. It accepts one
// connection (SAN or TCP, whichever the client can use), then stops listening and relays.
import type { Socket } from '../index.js';
import { note, type Command } from './command.js';
import { parseCommandArgs, parsePort } from './args.js';
import { hostPort, relay, remoteName, transportText } from './netcat.js';

const USAGE = `usage: sanswitch listen PORT [HOST]
  Listens on PORT (0: any free port) at HOST (default: every address, which serves TCP and
  every available SAN provider), accepts one connection, stops listening, and copies stdin
  to the connection and the connection to stdout. When stdin ends, the sending side is shut
  down; the command exits once the peer has closed too. On stderr:
    sanswitch: listening on 0.0.0.0:7000 (tcp, shm)
    sanswitch: connection from 127.0.0.1:49152 over shm
  Exit status 0 after an orderly close, 1 when listening or the connection fails, 2 for a
  bad command line.`;

/** Resolves with the first connection, or rejects when listening fails. */
async function acceptOne(port: number, host: string | undefined): Promise<Socket> {
  const { createServer } = await import('../index.js');
  return new Promise((resolve, reject) => {
    const server = createServer({ allowHalfOpen: true });
    server.once('error', reject);
    server.once('connection', (socket) => {
      server.close();
      resolve(socket);
    });
    server.listen({ port, host }, () => {
      const address = server.address();
      const where = address ? hostPort(address.address, address.port) : `port ${port}`;
      note(`listening on ${where} (${server.transports().join(', ')})`);
    });
  });
}

/** `sanswitch listen PORT [HOST]`. */
export const listen: Command = {
  name: 'listen',
  summary: 'netcat listener over the switch: accepts one connection and relays it',
  usage: USAGE,
  async run(argv) {
    const { values, positionals } = parseCommandArgs(
      argv,
      {},
      {
        min: 1,
        max: 2,
        names: 'PORT',
      },
    );
    if (values.help) {
      console.log(USAGE);
      return 0;
    }
    const port = parsePort(positionals[0]!, true);
    let socket: Socket;
    try {
      socket = await acceptOne(port, positionals[1]);
    } catch (error) {
      note((error as Error).message);
      return 1;
    }
    note(`connection from ${remoteName(socket)} ${transportText(socket)}`);
    return relay(socket);
  },
};
