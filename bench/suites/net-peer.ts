// Entry of the net-* suites' peer processes (child_process.fork): `server SUBJECT` listens and
// serves connections, `client SUBJECT` runs the scenarios the runner asks for. Both answer
// CPU-clock requests, and exit when the runner says so or goes away.
import { netSubject } from '../subjects/net-subjects.js';
import type { NetListener } from '../subjects/net-subject.js';
import { NetClient } from './net-client.js';
import type { PeerMessage, PeerRequest } from './net-protocol.js';
import { serveConnection } from './net-server.js';

const [role, subjectName] = process.argv.slice(2);
const subject = netSubject(subjectName ?? '');

function send(message: PeerMessage): void {
  process.send?.(message);
}

let listener: NetListener | undefined;
let client: NetClient | undefined;

async function handle(request: PeerRequest): Promise<unknown> {
  switch (request.op) {
    case 'cpu':
      return process.cpuUsage();
    case 'run':
      if (!client) throw new Error('not a client peer');
      return client.run(request.endpoint, request.scenario);
    case 'close':
      // Exit without a reply: the runner waits for the exit. Closing the listener first
      // removes a Unix socket's file, which exiting alone would leave behind.
      listener?.close();
      process.exit(0);
  }
}

process.on('message', (request: PeerRequest) => {
  handle(request).then(
    (value) => send({ type: 'reply', id: request.id, ok: true, value }),
    (error: Error) =>
      send({ type: 'reply', id: request.id, ok: false, error: error.stack ?? String(error) }),
  );
});
// The runner went away (or closed us): nothing else keeps this process useful.
process.on('disconnect', () => process.exit(0));

if (role === 'server') {
  listener = await subject.listen(serveConnection);
  send({ type: 'ready', endpoint: listener.endpoint });
} else if (role === 'client') {
  client = new NetClient(subject);
  send({ type: 'ready', endpoint: null });
} else {
  throw new Error(`unknown peer role ${role}`);
}
