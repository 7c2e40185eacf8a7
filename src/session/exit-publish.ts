// What write() accepted is published even when the process exits before the microtask that
// would publish it runs (`socket.end(data); process.exit()`): conduits with unpublished
// messages are listed here, and one process 'exit' listener publishes them and rings their
// peers. The bytes then sit in the shared segment, which the peer still maps, as a kernel
// keeps a dead process's sent data. Main thread only.

/** A conduit with messages written into its rings but not yet published. */
export interface Unpublished {
  /** Publishes them now and rings the peer if it sleeps. Must not throw. */
  publishNow(): void;
}

const waiting = new Set<Unpublished>();
let listening = false;

/** `conduit` has unpublished messages until `published(conduit)`. */
export function awaitingPublish(conduit: Unpublished): void {
  waiting.add(conduit);
  if (listening) return;
  listening = true;
  process.on('exit', () => {
    for (const each of waiting) each.publishNow();
    waiting.clear();
  });
}

/** `conduit` published everything (or closed). */
export function published(conduit: Unpublished): void {
  waiting.delete(conduit);
}
