// Who may connect: the acceptor checks the connector's credentials (SO_PEERCRED) and the
// connector checks the listener's, so that a connection only ever joins two processes of the
// same user unless the application says otherwise (the security model's second gate).
import type { PeerCredentials } from '../../native/addon.js';

/** Decides whether a peer process may share a segment with this one. Main thread only. */
export type PeerPolicy = (peer: PeerCredentials) => boolean;

/** The default policy: the peer runs as this process's effective user. */
export const sameUser: PeerPolicy = (peer) => peer.uid === (process.geteuid?.() ?? peer.uid);
