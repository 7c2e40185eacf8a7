// `sanswitch connect HOST PORT`: netcat's client over the switch, saying on stderr which
// transport carries the connection and, on TCP, why it is not on a SAN provider.
import { note, type Command } from './command.js';
import { parseCommandArgs, parsePort } from './args.js';
import { relay, remoteName, transportText } from './netcat.js';

const USAGE = `usage: sanswitch connect HOST PORT
  Connects to HOST:PORT through the switch (shared memory or RDMA when the peer runs a
  sanswitch listener here or on the fabric, TCP otherwise), copies stdin to the connection
  and the connection to stdout. When stdin ends, the sending side is shut down; the command
  exits once the peer has closed too. The transport in use is printed on stderr:
    sanswitch: connected to 127.0.0.1:7000 over shm
    sanswitch: connected to 127.0.0.1:7000 over tcp (fallback: no-san-listener)
  Exit status 0 after an orderly close, 1 when the connection fails, 2 for a bad command line.`;

/** `sanswitch connect HOST PORT`. */
export const connect: Command = {
  name: 'connect',
  summary: 'netcat client over the switch (stdin to the socket, the socket to stdout)',
  usage: USAGE,
  async run(argv) {
    const { values, positionals } = parseCommandArgs(
      argv,
      {},
      {
        min: 2,
        max: 2,
        names: 'HOST PORT',
      },
    );
    if (values.help) {
      console.log(USAGE);
      return 0;
    }
    const [host, portText] = positionals as [string, string];
    const port = parsePort(portText, false);
    const { connect: sanConnect } = await import('../index.js');
    const socket = sanConnect({ host, port, allowHalfOpen: true });
    socket.once('connect', () =>
      note(`connected to ${remoteName(socket)} ${transportText(socket)}`),
    );
    return relay(socket);
  },
};
