// Subject `sanswitch-fabric`: sanswitch's public API between two processes over the fabric
// provider on loopback, through libfabric's tcp provider: a correctness path, slower than
// TCP by design (libfabric's tcp provider runs the RDMA API over kernel TCP), measured so
// that its cost is known, never as a target. The peer process keeps fabric alone registered,
// serving the loopback interface, so the connection cannot run over shm.
import { createFabricProvider, registry } from '../../src/index.js';
import { sanswitchSubject } from './net-sanswitch.js';

/** Leaves a loopback-serving fabric provider alone in this process's registry. */
function useFabricOnly(): void {
  for (const provider of registry.list()) registry.unregister(provider.id);
  registry.register(createFabricProvider({ loopback: true }));
}

/** sanswitch on 127.0.0.1 over fabric (libfabric's tcp provider). */
export const sanswitchFabric = sanswitchSubject('sanswitch-fabric', 'fabric', useFabricOnly);
