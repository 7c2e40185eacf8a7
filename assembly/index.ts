// Entry point of the WASM core: the functions exported here are callable from TypeScript,
// and no others (src/wasm/core.ts types the same list; test/core-exports.test.ts checks that
// the two agree). Only numbers cross this boundary (addresses, lengths, statuses). The
// layout constants and statuses are exported as globals too, so that test/layout.test.ts can
// check the generated TypeScript and C copies against what the compiler computed.

export * from './layout';
export * from './status';

export {
  ringAdvance,
  ringAttach,
  ringAttachAt,
  ringBytes,
  ringCapacity,
  ringCommit,
  ringFormat,
  ringFormatAt,
  ringFront,
  ringHasRoom,
  ringPark,
  ringPeek,
  ringPending,
  ringPublished,
  ringRelease,
  ringReserve,
  ringShared,
  ringSlotBytes,
  ringUnpark,
} from './ring';
export {
  msgMaxPayload,
  msgPeekLength,
  msgPeekType,
  msgRead,
  msgWrite,
} from './msg-ring';
export {
  cqFront,
  cqPush,
  cqeFlags,
  cqeResult,
  cqeUserData,
  sqFront,
  sqPush,
} from './queue';
export {
  memDeregister,
  memRegister,
} from './shm/registry';
export {
  rnicDown,
  rnicExecute,
} from './shm/rnic';
export {
  mirrorCompleted,
  mirrorFlush,
  mirrorInit,
  mirrorOutstanding,
  mirrorProbe,
  mirrorReceive,
  mirrorStateBytes,
} from './fabric/mirror';
export {
  segBulkOffset,
  segBytes,
  segFormat,
} from './session/segment';
export {
  sesClose,
  sesCq,
  sesCtlRxRing,
  sesCtlTxRing,
  sesFlush,
  sesInit,
  sesPark,
  sesPeerConsumedAll,
  sesPeerReset,
  sesRelease,
  sesReset,
  sesRnic,
  sesRnicCq,
  sesRnicSq,
  sesRxRing,
  sesSq,
  sesStateBytes,
  sesTxRing,
  sesUnpark,
  sesWaitControl,
  sesWaitCredit,
} from './session/session';
export {
  sesDataCommit,
  sesDataSlot,
  sesDeregister,
  sesNegotiate,
  sesSendDone,
  sesSendFin,
  sesSendRndv,
  sesSendTarget,
} from './session/send';
export {
  sesEvAddr,
  sesEvKey,
  sesEvLength,
  sesEvSource,
  sesEvTotal,
  sesPoll,
  sesPollControl,
  sesReadsAwaited,
} from './session/recv';

/** First byte above the core's static data: shared windows and private blocks go above it. */
export function heapBase(): u32 {
  return <u32>__heap_base;
}
