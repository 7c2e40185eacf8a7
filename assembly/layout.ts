// The one definition of every structure shared between processes or handed across the SPI.
// scripts/gen-layout.mjs turns these constants into src/wasm/layout.generated.ts and
// native/src/layout.generated.h; test/layout.test.ts checks that all three agree.
// Only `export const NAME: u32 = <expression>;` lines are read by the generator.

// The unit of isolation between a producer's and a consumer's cursor (x86-64 and arm64 lines).
export const CACHE_LINE_BYTES: u32 = 64;

// ── SPSC ring ─────────────────────────────────────────────────────────────────────────────
//
//   shared + 0            shared + 64           shared + 128
//   ┌─────────┬────────┬─┬─────────┬──────────┬─┬──────────┬──────────┬─────┬────────────────┐
//   │ head u32│parked  │…│ tail u32│          │…│ slot[0]  │ slot[1]  │  …  │ slot[cap - 1]  │
//   │(consumer│u32     │ │(producer│          │ │slotBytes │          │     │                │
//   │ writes) │(cons.) │ │ writes) │          │ │          │          │     │                │
//   └─────────┴────────┴─┴─────────┴──────────┴─┴──────────┴──────────┴─────┴────────────────┘
//
// head and tail are free-running u32 counters of slots; tail - head is the fill level.
// Slot i lives at shared + RING_HEADER_BYTES + (i & (capacity - 1)) * slotBytes.
// parked is non-zero while the consumer sleeps on its doorbell (the producer then rings).
export const RING_HEAD_OFFSET: u32 = 0;
export const RING_PARKED_OFFSET: u32 = 4;
export const RING_TAIL_OFFSET: u32 = CACHE_LINE_BYTES;
export const RING_HEADER_BYTES: u32 = 2 * CACHE_LINE_BYTES;
// Bounds on what a ring may be configured with (keeps every slot address below 2 GiB).
export const RING_MAX_CAPACITY: u32 = 1 << 16;
export const RING_MAX_SLOT_BYTES: u32 = 1 << 20;
export const RING_SLOT_ALIGN_BYTES: u32 = 8;
// Each ring endpoint also keeps a private block (never shared) with its trusted geometry and
// cursors; its owner allocates it outside every shared window. See assembly/ring.ts.
export const RING_LOCAL_BYTES: u32 = CACHE_LINE_BYTES;

// ── Message slot (a posted receive buffer of the session protocol) ───────────────────────
//
//   slot + 0      slot + 4     slot + 8
//   ┌────────────┬────────────┬───────────────────────────────────────────┐
//   │ length u32 │ type u32   │ payload (length bytes, ≤ slotBytes - 8)   │
//   └────────────┴────────────┴───────────────────────────────────────────┘
export const MSG_LENGTH_OFFSET: u32 = 0;
export const MSG_TYPE_OFFSET: u32 = 4;
export const MSG_HEADER_BYTES: u32 = 8;

// ── Work request (submission queue entry), io_uring style ────────────────────────────────
//
//   +0 opcode u16 │ +2 flags u16 │ +4 length u32 │ +8 user_data u64
//   +16 local_offset u32 │ +20 local_key u32 │ +24 remote_offset u32 │ +28 remote_key u32
//
// Offsets are segment-relative (each process maps a segment at its own address).
export const SQE_OPCODE_OFFSET: u32 = 0;
export const SQE_FLAGS_OFFSET: u32 = 2;
export const SQE_LENGTH_OFFSET: u32 = 4;
export const SQE_USER_DATA_OFFSET: u32 = 8;
export const SQE_LOCAL_OFFSET_OFFSET: u32 = 16;
export const SQE_LOCAL_KEY_OFFSET: u32 = 20;
export const SQE_REMOTE_OFFSET_OFFSET: u32 = 24;
export const SQE_REMOTE_KEY_OFFSET: u32 = 28;
export const SQE_BYTES: u32 = 32;

// Work request opcodes.
export const OP_SEND: u32 = 1;
export const OP_RECV: u32 = 2;
export const OP_RDMA_WRITE: u32 = 3;
export const OP_RDMA_READ: u32 = 4;
export const OP_MAX: u32 = 4;

// ── Completion (completion queue entry) ──────────────────────────────────────────────────
//
//   +0 user_data u64 │ +8 result i32 (bytes, or -errno) │ +12 flags u32
export const CQE_USER_DATA_OFFSET: u32 = 0;
export const CQE_RESULT_OFFSET: u32 = 8;
export const CQE_FLAGS_OFFSET: u32 = 12;
export const CQE_BYTES: u32 = 16;

// ── Accept backlog entry (a pending connection request) ──────────────────────────────────
//
//   +0 request_id u32 │ +4 pid u32 │ +8 uid u32 │ +12 flags u32
export const BACKLOG_REQUEST_ID_OFFSET: u32 = 0;
export const BACKLOG_PID_OFFSET: u32 = 4;
export const BACKLOG_UID_OFFSET: u32 = 8;
export const BACKLOG_FLAGS_OFFSET: u32 = 12;
export const BACKLOG_ENTRY_BYTES: u32 = 16;
