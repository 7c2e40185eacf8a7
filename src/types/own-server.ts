// The mark of a node:net server this package made for itself (the TCP provider's listeners):
// the preload's patched net.Server methods leave such a server to node:net unchanged.

/** Set (true) on a net.Server the package owns. */
export const kOwnServer = Symbol('sanswitch.ownServer');
