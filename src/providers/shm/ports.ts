// Port numbers for the connecting end of an shm connection. No kernel socket has one, but
// applications read `localPort`/`remotePort`, so each connect gets a number from the
// dynamic range, as TCP would give it (distinct within this process, not across processes).

const FIRST_PORT = 49152;
const PORT_COUNT = 16384;

let next = process.pid % PORT_COUNT;

/** The next port of the dynamic range (49152–65535), round-robin from a pid-based start. */
export function ephemeralPort(): number {
  next = (next + 1) % PORT_COUNT;
  return FIRST_PORT + next;
}
