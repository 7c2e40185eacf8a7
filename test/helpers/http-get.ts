// An HTTP GET made by node:http over a sanswitch socket (http.request's createConnection),
// resolving with the status, the body and the transport the socket ran over.
import http from 'node:http';
import { connect, type Socket } from '../../src/index.js';
import { within } from './san-double-harness.js';

/** GET `path` from 127.0.0.1:`port` over a new sanswitch socket, within 3 s. */
export function httpGet(
  port: number,
  path: string,
): Promise<{ status: number; body: string; transport: string | null }> {
  return within(
    3000,
    new Promise((resolve, reject) => {
      let socket: Socket | undefined;
      const req = http.request(
        {
          host: '127.0.0.1',
          port,
          path,
          createConnection: (opts: http.ClientRequestArgs) => {
            socket = connect({ host: opts.host ?? '127.0.0.1', port: Number(opts.port) });
            return socket;
          },
        },
        (res) => {
          let body = '';
          res.setEncoding('utf8');
          res.on('data', (d: string) => (body += d));
          res.on('end', () =>
            resolve({ status: res.statusCode ?? 0, body, transport: socket?.transport ?? null }),
          );
        },
      );
      req.on('error', reject);
      req.end();
    }),
    'http request',
  );
}
