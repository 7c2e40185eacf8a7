// Routing and fallback on connect (SEL-2, CB-7, CON-4, CON-5, BLK-1, BLK-2), driven with
// the SAN provider double (a TEST DOUBLE): it scripts what the real providers cannot be made
// to do here, a socket that cannot be set up and any connect error.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { once } from 'node:events';
import { connect, Socket } from '../src/index.js';
import { SanDouble, type DoubleSocket } from './helpers/san-double.js';
import { systemError } from '../src/errors.js';
import {
  closed,
  closeServer,
  nextError,
  plainServer,
  readAll,
  withDouble,
  withDoubles,
  within,
  restoreDefaults,
  stepAsideDefaults,
} from './helpers/san-double-harness.js';

const t = suite('switch: connect');
t.before(stepAsideDefaults);
t.after(restoreDefaults);

t('SEL-2: a destination outside the table goes over TCP with not-san-address', () =>
  withDoubles([new SanDouble('double', ['10.255.255.0/24'])], async () => {
    const plain = await plainServer();
    const socket = connect(plain.port, '127.0.0.1');
    await within(2000, once(socket, 'connect'));
    assert.is(socket.transport, 'tcp');
    assert.is(socket.fallbackReason, 'not-san-address');
    socket.destroy();
    await closeServer(plain.server);
  }),
);

t('SEL-2: a registered but unavailable provider is never used (provider-unavailable)', async () => {
  const double = new SanDouble();
  double.available = false;
  double.reason = 'no shared memory here';
  await withDoubles([double], async () => {
    const plain = await plainServer();
    const socket = connect(plain.port, '127.0.0.1');
    await within(2000, once(socket, 'connect'));
    assert.is(socket.fallbackReason, 'provider-unavailable');
    assert.not.ok(double.calls.includes('socket'));
    socket.destroy();
    await closeServer(plain.server);
  });
});

for (const code of ['ECONNREFUSED', 'ECONNRESET', 'EHOSTUNREACH'] as const) {
  t(`CON-4: ${code} from the SAN provider reaches the application with no TCP retry`, () =>
    withDouble(async (double) => {
      double.connectMode = code;
      const plain = await plainServer();
      const socket = connect(plain.port, '127.0.0.1');
      const err = (await nextError(socket)) as Error & Record<string, unknown>;
      assert.is(err.code, code);
      assert.is(err.syscall, 'connect');
      assert.is(err.address, '127.0.0.1');
      assert.is(err.port, plain.port);
      assert.is(err.message, `connect ${code} 127.0.0.1:${plain.port}`);
      await new Promise((r) => setTimeout(r, 30));
      assert.is(plain.seen(), 0, 'TCP was not tried');
      await closeServer(plain.server);
    }),
  );
}

t('CON-5: ETIMEDOUT from the SAN provider is retried on TCP (san-timeout)', () =>
  withDouble(async (double) => {
    double.connectMode = 'ETIMEDOUT';
    const plain = await plainServer();
    const socket = connect(plain.port, '127.0.0.1');
    await within(2000, once(socket, 'connect'));
    assert.is(socket.transport, 'tcp');
    assert.is(socket.fallbackReason, 'san-timeout');
    assert.is(plain.seen(), 1);
    socket.destroy();
    await closeServer(plain.server);
  }),
);

t('CON-5 + BLK-2: a SAN connect that never completes is closed and retried on TCP', () =>
  withDouble(async (double) => {
    double.connectMode = 'hang';
    const plain = await plainServer();
    const socket = connect({ port: plain.port, host: '127.0.0.1', sanConnectTimeout: 50 });
    await within(2000, once(socket, 'connect'));
    assert.is(socket.fallbackReason, 'san-timeout');
    assert.equal(double.calls.slice(-4), ['socket', 'eventSelect', 'connect', 'close']);
    socket.destroy();
    await closeServer(plain.server);
  }),
);

/** Every error `socket` emits, by code (or message). */
function errorsOf(socket: Socket): string[] {
  const errors: string[] = [];
  socket.on('error', (err: Error & { code?: string }) => errors.push(err.code ?? err.message));
  return errors;
}

/** Connects to a plain echo server and checks that TCP carries it for `reason`, with no error. */
async function retriedOnTcp(
  options: { sanBufferBytes?: number; localAddress?: string },
  reason: string,
): Promise<void> {
  const plain = await plainServer();
  try {
    const socket = connect({ port: plain.port, host: '127.0.0.1', ...options });
    const errors = errorsOf(socket);
    await within(2000, once(socket, 'connect'));
    assert.is(socket.transport, 'tcp');
    assert.is(socket.fallbackReason, reason);
    assert.is(plain.seen(), 1);
    socket.end('retried on tcp');
    assert.is(await readAll(socket), 'retried on tcp');
    assert.equal(errors, [], 'the SAN failure reached the application');
  } finally {
    await closeServer(plain.server);
  }
}

/** A double that cannot set a socket up: one of its set-up calls throws (CB-7). */
class SetupFails extends SanDouble {
  constructor(readonly step: 'socket' | 'bind' | 'setOptions' | 'eventSelect') {
    super();
  }

  override socket(): DoubleSocket {
    const fail = (syscall: string) => (): never => {
      this.calls.push(syscall);
      throw systemError(syscall === 'socket' ? 'EMFILE' : 'EADDRNOTAVAIL', { syscall });
    };
    if (this.step === 'socket') return fail('socket')();
    const socket = super.socket();
    if (this.step === 'bind') socket.bind = fail('bind');
    else if (this.step === 'eventSelect') socket.eventSelect = fail('eventSelect');
    else Object.assign(socket, { setOptions: fail('setOptions') });
    return socket;
  }
}

for (const step of ['socket', 'bind', 'setOptions', 'eventSelect'] as const) {
  t(`CB-7: a SAN socket whose ${step} fails is dropped; TCP carries the connect`, () =>
    withDoubles([new SetupFails(step)], async (double) => {
      const options =
        step === 'bind'
          ? { localAddress: '127.0.0.1' }
          : step === 'setOptions'
            ? { sanBufferBytes: 1 << 20 }
            : {};
      await retriedOnTcp(options, 'san-setup-failed');
      assert.is(double.calls.filter((c) => c === step).length, 1, double.calls.join(' '));
      assert.not.ok(double.calls.includes('connect'), 'a SAN connect was tried');
      if (step !== 'socket') assert.is(double.calls.at(-1), 'close', 'the companion was closed');
    }),
  );
}

// CON-4: only ECONNREFUSED, ECONNRESET and EHOSTUNREACH are final (above); every other SAN
// connect failure is retried on TCP, since the connection is not established yet.
for (const code of ['ENETUNREACH', 'ECONNABORTED', 'ENOBUFS', 'EPROTO'] as const) {
  t(`CON-4: ${code} from the SAN provider is retried on TCP (san-connect-failed)`, () =>
    withDouble(async (double) => {
      double.connectMode = code;
      await retriedOnTcp({}, 'san-connect-failed');
      assert.ok(double.calls.includes(`connect-event:${code}`), double.calls.join(' '));
      assert.is(double.calls.at(-1), 'close', 'the SAN companion is closed before the retry');
    }),
  );
}

/** A double whose sockets' connect() throws an Error with no code (a faulty provider). */
class ConnectThrows extends SanDouble {
  override socket(): DoubleSocket {
    const socket = super.socket();
    socket.connect = () => {
      this.calls.push('connect');
      throw new Error('provider failed without a code');
    };
    return socket;
  }
}

t('CON-4: an error thrown by the SAN connect() itself is retried on TCP as well', () =>
  withDoubles([new ConnectThrows()], async (double) => {
    await retriedOnTcp({}, 'san-connect-failed');
    assert.equal(double.calls.slice(-2), ['connect', 'close']);
  }),
);

t('BLK-1: aborting a SAN connect closes the companion; the SPI has no cancel', () =>
  withDouble(async (double) => {
    double.connectMode = 'hang';
    const controller = new AbortController();
    const socket = connect({ port: 9, host: '127.0.0.1', signal: controller.signal });
    const hadError = closed(socket);
    setTimeout(() => controller.abort(new Error('user gave up')), 20);
    const err = (await nextError(socket)) as Error & { code?: string; cause?: Error };
    assert.is(err.name, 'AbortError');
    assert.is(err.code, 'ABORT_ERR');
    assert.is(err.cause?.message, 'user gave up');
    assert.is(await hadError, true);
    assert.is(double.calls.at(-1), 'close');
    assert.not.ok(double.calls.some((c) => /cancel/i.test(c)));
    const sanSocket = [...double.sockets][0] as object;
    assert.not.ok('cancel' in sanSocket || 'cancelBlockingCall' in sanSocket);
  }),
);

t.run();
