// A recording wrapper around a REAL SAN provider (not a double: every call goes through to the
// provider unchanged). It logs which socket methods the switch looks up, the calls it makes,
// what accept() returned, and when the provider fired an event, so a test can check the
// switch's side of LIS-1..5 and PRV-2 against the real shm provider.
import type { SanEvents, SanProvider, SanSocket } from '../../src/providers/spi.js';
import { registry } from '../../src/switch/registry.js';
import { createShmProvider } from '../../src/providers/shm/index.js';

/** What the switch did with the wrapped provider's sockets, in order. */
export interface SpiLog {
  /** Every property the switch looked up on a socket, whether the SPI defines it or not. */
  looked: Set<string>;
  /**
   * Calls and events in order: `socket`, the method name for each call (`accept` as
   * `accept:ok`, `accept:<code>`), `condition:<answer>`, and `event:<name>` when the provider
   * fired one of the handlers set by eventSelect.
   */
  calls: string[];
}

function recordedEvents(events: SanEvents, log: SpiLog): SanEvents {
  const wrapped: SanEvents = {};
  if (events.accept) {
    const accept = events.accept;
    wrapped.accept = () => {
      log.calls.push('event:accept');
      accept();
    };
  }
  if (events.connect) {
    const connect = events.connect;
    wrapped.connect = (err) => {
      log.calls.push('event:connect');
      connect(err);
    };
  }
  return wrapped;
}

function recordedAccept(socket: SanSocket, log: SpiLog): SanSocket['accept'] {
  return (condition) => {
    try {
      const accepted = socket.accept((request) => {
        const answer = condition(request);
        log.calls.push(`condition:${answer}`);
        return answer;
      });
      log.calls.push('accept:ok');
      return recordingSocket(accepted, log);
    } catch (err) {
      log.calls.push(`accept:${(err as { code?: string }).code ?? 'error'}`);
      throw err;
    }
  };
}

function recordingSocket(socket: SanSocket, log: SpiLog): SanSocket {
  return new Proxy(socket, {
    get(target, key) {
      if (typeof key === 'string') log.looked.add(key);
      if (key === 'accept') return recordedAccept(target, log);
      if (key === 'eventSelect') {
        return (events: SanEvents) => {
          log.calls.push('eventSelect');
          target.eventSelect(recordedEvents(events, log));
        };
      }
      const value: unknown = Reflect.get(target, key, target);
      if (typeof value !== 'function' || typeof key !== 'string') return value;
      return (...args: unknown[]) => {
        log.calls.push(key);
        return (value as (...a: unknown[]) => unknown).apply(target, args);
      };
    },
  });
}

/** `provider` as the switch sees it, with every socket it makes recorded into the log. */
export function recordingProvider(provider: SanProvider): { provider: SanProvider; log: SpiLog } {
  const log: SpiLog = { looked: new Set(), calls: [] };
  const wrapped = new Proxy(provider, {
    get(target, key) {
      if (key === 'socket') {
        return () => {
          log.calls.push('socket');
          return recordingSocket(target.socket(), log);
        };
      }
      const value: unknown = Reflect.get(target, key, target);
      return typeof value === 'function' ? (value as () => unknown).bind(target) : value;
    },
  });
  return { provider: wrapped, log };
}

/** Runs `fn` with a recorded real shm provider registered as `shm`, unregistered after. */
export async function withRecordedShm<T>(fn: (log: SpiLog) => Promise<T>): Promise<T> {
  const { provider, log } = recordingProvider(createShmProvider());
  registry.register(provider);
  try {
    return await fn(log);
  } finally {
    registry.unregister(provider.id);
  }
}
