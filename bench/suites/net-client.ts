// The client side of the net-* suites, in the client peer process: each scenario connects
// through the subject, drives the server in one mode, times it, and says which transport
// every connection used.
import { once } from 'node:events';
import { percentile } from '../results.js';
import type { NetConnection, NetEndpoint, NetSubject } from '../subjects/net-subject.js';
import {
  CONN_REPLY,
  IDLE_REPLY,
  MODE_CONN,
  MODE_ECHO,
  MODE_IDLE,
  MODE_SINK,
  SINK_ACK,
  type Scenario,
  type ScenarioResult,
} from './net-protocol.js';

type Socket = NetConnection['socket'];

/** Resolves with the next `data` chunk that starts with `byte`; rejects on error or close. */
function expectByte(socket: Socket, byte: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const onData = (chunk: Buffer): void => {
      cleanup();
      if (chunk[0] === byte) resolve();
      else reject(new Error(`expected byte ${byte}, got ${chunk[0]}`));
    };
    const onClose = (): void => {
      cleanup();
      reject(new Error('connection closed early'));
    };
    const cleanup = (): void => {
      socket.off('data', onData).off('error', reject).off('close', onClose);
    };
    socket.on('data', onData).once('error', reject).once('close', onClose);
  });
}

/** Ends `socket` and resolves once it has closed. */
async function closeSocket(socket: Socket): Promise<void> {
  const closed = once(socket, 'close');
  socket.end();
  await closed;
}

/** `count` ping-pongs of `bytes`; fills `samples` (ms each) when given. */
function pingPong(socket: Socket, count: number, bytes: number, samples?: number[]): Promise<void> {
  const message = Buffer.alloc(bytes, 0x70);
  return new Promise((resolve, reject) => {
    let done = 0;
    let received = 0;
    let startMs = 0;
    const onData = (chunk: Buffer): void => {
      received += chunk.length;
      if (received < bytes) return;
      received -= bytes;
      samples?.push(performance.now() - startMs);
      if (++done === count) {
        socket.off('data', onData).off('error', reject);
        resolve();
        return;
      }
      startMs = performance.now();
      socket.write(message);
    };
    socket.on('data', onData).once('error', reject);
    startMs = performance.now();
    socket.write(message);
  });
}

/**
 * Writes `totalBytes` in `writeBytes` writes, heeding back-pressure; ns to the server's ack.
 * `registered`: every write is the same registered buffer where the socket has them (the
 * RDMA path straight out of application memory), else a plain Buffer.
 */
async function stream(
  socket: Socket,
  totalBytes: number,
  writeBytes: number,
  registered: boolean,
): Promise<number> {
  const header = Buffer.alloc(9);
  header[0] = MODE_SINK;
  header.writeBigUInt64LE(BigInt(totalBytes), 1);
  socket.write(header);
  const acked = expectByte(socket, SINK_ACK);
  const chunk =
    registered && socket.allocBuffer ? socket.allocBuffer(writeBytes) : Buffer.alloc(writeBytes);
  chunk.fill(0x73);
  const startNs = process.hrtime.bigint();
  for (let sent = 0; sent < totalBytes; sent += writeBytes) {
    const bytes = Math.min(writeBytes, totalBytes - sent);
    if (!socket.write(bytes === writeBytes ? chunk : chunk.subarray(0, bytes))) {
      await once(socket, 'drain');
    }
  }
  await acked;
  return Number(process.hrtime.bigint() - startNs);
}

/** Runs scenarios for one subject; keeps the idle scenario's connection between requests. */
export class NetClient {
  readonly #subject: NetSubject;
  readonly #transports: Record<string, number> = {};
  readonly #reasons = new Set<string>();
  #idle: Socket | undefined;

  constructor(subject: NetSubject) {
    this.#subject = subject;
  }

  async #connect(endpoint: NetEndpoint, bufferBytes?: number): Promise<Socket> {
    const connection = await this.#subject.connect(endpoint, bufferBytes);
    this.#transports[connection.transport] = (this.#transports[connection.transport] ?? 0) + 1;
    if (connection.fallbackReason) this.#reasons.add(connection.fallbackReason);
    return connection.socket;
  }

  /** Runs `scenario` against the server at `endpoint`. */
  async run(endpoint: NetEndpoint, scenario: Scenario): Promise<ScenarioResult> {
    for (const key of Object.keys(this.#transports)) delete this.#transports[key];
    this.#reasons.clear();
    const measured = await this.#measure(endpoint, scenario);
    return {
      ...measured,
      transports: { ...this.#transports },
      fallbackReasons: [...this.#reasons],
    };
  }

  async #measure(endpoint: NetEndpoint, scenario: Scenario): Promise<Partial<ScenarioResult>> {
    switch (scenario.kind) {
      case 'rtt': {
        const socket = await this.#connect(endpoint);
        socket.setNoDelay(true);
        socket.write(Buffer.of(MODE_ECHO));
        await pingPong(socket, scenario.warmup, scenario.bytes);
        const samples: number[] = [];
        await pingPong(socket, scenario.rounds, scenario.bytes, samples);
        await closeSocket(socket);
        return { p50Us: percentile(samples, 50) * 1e3, p99Us: percentile(samples, 99) * 1e3 };
      }
      case 'stream': {
        const { totalBytes, writeBytes, registered = false } = scenario;
        const socket = await this.#connect(endpoint, registered ? writeBytes : undefined);
        const elapsedNs = await stream(socket, totalBytes, writeBytes, registered);
        await closeSocket(socket);
        return { elapsedNs };
      }
      case 'conns': {
        const startNs = process.hrtime.bigint();
        for (let i = 0; i < scenario.count; i++) {
          const socket = await this.#connect(endpoint);
          const replied = expectByte(socket, CONN_REPLY);
          socket.write(Buffer.of(MODE_CONN));
          await replied;
          await closeSocket(socket);
        }
        return { elapsedNs: Number(process.hrtime.bigint() - startNs) };
      }
      case 'idle-open': {
        const socket = await this.#connect(endpoint);
        const replied = expectByte(socket, IDLE_REPLY);
        socket.write(Buffer.of(MODE_IDLE));
        await replied;
        this.#idle = socket;
        return {};
      }
      case 'idle-close': {
        if (this.#idle) await closeSocket(this.#idle);
        this.#idle = undefined;
        return {};
      }
    }
  }
}
