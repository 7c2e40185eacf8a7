// ARC-1: to an application the switch looks like one TCP/IP provider: its Socket and Server
// have node:net's stream API (checked against node:net's own prototypes), so code written
// for node:net runs unchanged.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import net from 'node:net';
import { Duplex } from 'node:stream';
import { Server, Socket, connect, createConnection, createServer } from '../src/index.js';

const SOCKET_METHODS = [
  'write',
  'end',
  'destroy',
  'destroySoon',
  'resetAndDestroy',
  'pause',
  'resume',
  'setNoDelay',
  'setKeepAlive',
  'setTimeout',
  'ref',
  'unref',
  'address',
  'connect',
];
const SERVER_METHODS = ['listen', 'address', 'close', 'getConnections', 'ref', 'unref'];
const STATE = [
  'readyState',
  'connecting',
  'pending',
  'bytesRead',
  'bytesWritten',
  'remoteAddress',
  'localAddress',
  'allowHalfOpen',
  'timeout',
];

test('ARC-1: Socket and Server have node:net’s API; the factories are there', () => {
  const socket = new Socket();
  assert.ok(socket instanceof Duplex);
  for (const name of SOCKET_METHODS) {
    const theirs = (net.Socket.prototype as unknown as Record<string, unknown>)[name];
    assert.type(theirs, 'function', `node:net has ${name}`);
    assert.type((socket as unknown as Record<string, unknown>)[name], 'function', name);
  }
  const server = createServer();
  assert.ok(server instanceof Server);
  for (const name of SERVER_METHODS) {
    assert.type((net.Server.prototype as unknown as Record<string, unknown>)[name], 'function');
    assert.type((server as unknown as Record<string, unknown>)[name], 'function', name);
  }
  for (const factory of [connect, createConnection, createServer]) assert.type(factory, 'function');
  // A socket not yet connected reads as node:net's does.
  const theirs = new net.Socket();
  for (const name of STATE) {
    const ours = (socket as unknown as Record<string, unknown>)[name];
    assert.is(ours, (theirs as unknown as Record<string, unknown>)[name], name);
  }
  theirs.destroy();
  socket.destroy();
});

test.run();
