// Entry point of the WASM core: everything exported here is callable from TypeScript.
// Only numbers cross this boundary (addresses, lengths, statuses).

export * from './layout';
export * from './status';
export * from './ring';
export * from './msg-ring';
export * from './queue';

/** First byte above the core's static data: shared windows and private blocks go above it. */
export function heapBase(): u32 {
  return <u32>__heap_base;
}
export * from './shm/registry';
export * from './shm/rnic';
export * from './session/segment';
export * from './session/session';
export * from './session/send';
export * from './session/recv';
