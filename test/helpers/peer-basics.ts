// What every forked test peer process does alike: report to its parent over IPC, and keep
// its own event loop busy on request (a peer whose loop is stuck, as a loaded process's is).

/** Sends `message` to the parent over the IPC channel (a no-op without one). */
export function say(message: object): void {
  process.send?.(message);
}

/** Blocks this process's event loop for `ms` milliseconds. */
export function busy(ms: number): void {
  const until = Date.now() + ms;
  while (Date.now() < until);
}
