// One open libfabric domain of this process and its wake-ups: the shim's event queue (connection
// requests, connects, shutdowns) and completion queue, each polled by libuv on its fd. A
// wake-up drains both until fi_trywait says the fds will wake the loop again; events and
// completions go to whoever registered for their id or tag. Main thread only.
import type { Watcher } from '../../native/addon.js';
import type { FabricEvent } from '../../native/addon.js';
import type { ProcessCore } from '../../wasm/process-core.js';
import { statusToError } from '../../errors.js';
import type { FabricAddon } from './native.js';
import { CompletionQueue, SubmissionQueue, type FabricCompletion } from './queues.js';

/** Events drained per call into the shim. */
const EVENT_BATCH = 64;
/**
 * Longest the process's exit waits, in milliseconds, for closed connections to get their
 * last writes read by their peers (see lingerAtExit).
 */
export const EXIT_LINGER_MS = 2000;

/** Receives the events of one listener or endpoint and the completions of its tags. */
export interface DomainClient {
  onEvent(event: FabricEvent): void;
  onCompletion?(completion: FabricCompletion): void;
}

/** A domain of one libfabric provider, with its queues and fd watchers. */
export class FabricDomain {
  readonly addon: FabricAddon;
  readonly pc: ProcessCore;
  readonly id: number;
  readonly provider: string;
  readonly #completions: CompletionQueue;
  readonly #watchers: Watcher[] = [];
  readonly #clients = new Map<number, DomainClient>();
  /** The clients that keep the event loop alive (all, unless unref'd). */
  readonly #refed = new Set<number>();
  readonly #tags = new Map<number, DomainClient>();
  #nextTag = 1;
  #draining = false;
  #closed = false;
  /** Closed connections still waiting for their peers to read their last writes. */
  readonly #lingering = new Set<() => boolean>();
  readonly #onExit = (): void => this.#finishAtExit();

  /** Opens `provider`'s domain. Throws the shim's status as an error (ENODEV: none here). */
  constructor(addon: FabricAddon, pc: ProcessCore, provider: string) {
    this.addon = addon;
    this.pc = pc;
    this.provider = provider;
    const id = addon.fabricOpen(provider);
    if (id < 0) throw statusToError(id, { syscall: 'fi_domain' });
    this.id = id;
    this.#completions = new CompletionQueue(pc, addon, id);
    for (const queue of [0, 1] as const) {
      const watcher = addon.fabricWatch(id, queue, () => this.drain());
      if (typeof watcher === 'number') {
        this.close();
        throw statusToError(watcher, { syscall: 'uv_poll_start' });
      }
      this.#watchers.push(watcher);
    }
    this.#refresh();
  }

  /** Routes the events of listener or endpoint `id` to `client` until `forget(id)`. */
  attach(id: number, client: DomainClient): void {
    this.#clients.set(id, client);
    this.#refed.add(id);
    this.#refresh();
  }

  forget(id: number): void {
    this.#clients.delete(id);
    this.#refed.delete(id);
    this.#refresh();
  }

  /** Whether client `id` keeps the event loop alive (node:net's ref/unref). */
  setRef(id: number, refed: boolean): void {
    if (!this.#clients.has(id)) return;
    if (refed) this.#refed.add(id);
    else this.#refed.delete(id);
    this.#refresh();
  }

  /** A fresh user_data tag whose completions go to `client` until `releaseTag`. */
  tag(client: DomainClient): number {
    // Tags are u32 and never 0; a wrapped counter skips the ones still in use.
    do {
      this.#nextTag = this.#nextTag >= 0xffffffff ? 1 : this.#nextTag + 1;
    } while (this.#tags.has(this.#nextTag));
    this.#tags.set(this.#nextTag, client);
    return this.#nextTag;
  }

  releaseTag(tag: number): void {
    this.#tags.delete(tag);
  }

  /**
   * Registers a closed connection that waits for its peer (`settled()` turns true once it
   * may close): if the process exits first, even by process.exit(), the exit drains the
   * queues (libfabric moves data only then) until every such connection settled, for at most
   * EXIT_LINGER_MS, as a kernel would keep sending for a process gone. Returns the
   * deregistration.
   */
  lingerAtExit(settled: () => boolean): () => void {
    if (this.#lingering.size === 0) process.on('exit', this.#onExit);
    this.#lingering.add(settled);
    return () => {
      this.#lingering.delete(settled);
      if (this.#lingering.size === 0) process.off('exit', this.#onExit);
    };
  }

  #finishAtExit(): void {
    const deadline = performance.now() + EXIT_LINGER_MS;
    while (!this.#closed && performance.now() < deadline) {
      for (const settled of [...this.#lingering]) if (settled()) this.#lingering.delete(settled);
      if (this.#lingering.size === 0) return;
      this.drain();
    }
  }

  /** A submission ring of `capacity` work requests for endpoint `endpoint`. */
  submissionQueue(endpoint: number, capacity: number): SubmissionQueue {
    return new SubmissionQueue(this.pc, this.addon, endpoint, capacity);
  }

  /**
   * Drains events and completions until both queues are empty and may sleep (fi_trywait).
   * Called by the fd watchers, and by a conduit that waits for its own work to progress:
   * libfabric's tcp provider moves data only while its queues are read.
   */
  drain(): void {
    if (this.#draining || this.#closed) return;
    this.#draining = true;
    try {
      for (let rounds = 0; rounds < 64 && !this.#closed; rounds++) {
        const events = this.#drainEvents();
        if (this.#closed) return;
        const completions = this.#completions.drain((completion) =>
          this.#tags.get(completion.userData)?.onCompletion?.(completion),
        );
        if (this.#closed) return;
        // What the handlers did (receives posted again, new work) lets the provider go on
        // with data it already took off its sockets, which no fd will announce again: read
        // the queues once more before asking whether sleeping is safe.
        if (events + Math.max(0, completions) > 0) continue;
        if (this.addon.fabricTryWait(this.id) === 0) return;
      }
      // Still busy after many rounds: go on from the next loop turn instead of starving it.
      setImmediate(() => this.drain());
    } finally {
      this.#draining = false;
    }
  }

  // Hands every queued event to its client; returns how many there were.
  #drainEvents(): number {
    let count = 0;
    for (;;) {
      const events = this.addon.fabricEvents(this.id, EVENT_BATCH);
      if (typeof events === 'number') return count;
      count += events.length;
      for (const event of events) {
        const client = this.#clients.get(event.id);
        if (client) {
          client.onEvent(event);
        } else if (event.type === 'request') {
          // A listener that closed meanwhile: nobody will answer this peer.
          this.addon.fabricClose(event.request);
        }
      }
      if (events.length < EVENT_BATCH) return count;
    }
  }

  // The loop stays alive while a ref'd listener or endpoint is open, as node:net's handles do.
  #refresh(): void {
    for (const watcher of this.#watchers) {
      if (this.#refed.size > 0) watcher.ref();
      else watcher.unref();
    }
  }

  /** Closes every object of the domain and stops watching. Idempotent. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    process.off('exit', this.#onExit);
    for (const watcher of this.#watchers) watcher.close();
    this.addon.fabricClose(this.id);
    this.#completions.close();
    this.#clients.clear();
    this.#refed.clear();
    this.#tags.clear();
  }
}
