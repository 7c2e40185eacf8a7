// Status numbers returned by the core: 0 or a count on success, a negative errno otherwise.
// They are Linux errno values so that src/errors.ts turns core and native statuses into
// errors in one place.

/** Would block: the ring is full (producer) or empty (consumer). */
export const ERR_AGAIN: i32 = -11;
/** A caller's own argument is invalid (bad capacity, alignment, or bounds). */
export const ERR_INVAL: i32 = -22;
/** A value another process wrote is impossible: the peer is corrupt or hostile. */
export const ERR_PROTO: i32 = -71;
/** A message does not fit the slot or the caller's buffer. */
export const ERR_MSGSIZE: i32 = -90;
/** Access denied: a registered region's flags forbid the operation (MEM-4). */
export const ERR_ACCES: i32 = -13;
/** No memory: a registration table or bulk area cannot hold another region (SES-10). */
export const ERR_NOBUFS: i32 = -105;
/** The connection is down: registered memory is no longer reachable (MEM-3). */
export const ERR_NOTCONN: i32 = -107;
