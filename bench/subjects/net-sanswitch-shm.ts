// Subject `sanswitch-shm`: sanswitch's public API between two processes on one host, which
// should carry the connection over shared memory (listening on TCP and every SAN provider
// serving loopback).
import { sanswitchSubject } from './net-sanswitch.js';

/** sanswitch on 127.0.0.1 with the default providers: shm. */
export const sanswitchShm = sanswitchSubject('sanswitch-shm', 'shm');
