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

// ── Session segment (one per connection, shared by connector and acceptor) ───────────────
//
//   seg + 0                seg + 64            seg + 128           seg + 192
//   ┌──────────────────────┬───────────────────┬───────────────────┬──────────────┬──────────────┐
//   │ header (line 0,      │ connector's flags │ acceptor's flags  │ data ring    │ data ring    │ …
//   │ written once by the  │ u32 (connector    │ u32 (acceptor     │ c→a (SPSC,   │ a→c          │
//   │ creator, see below)  │ writes)           │ writes)           │ header+slots)│              │
//   └──────────────────────┴───────────────────┴───────────────────┴──────────────┴──────────────┘
//     … ┌──────────────┬──────────────┬───────────────────────┬───────────────────────────────┐
//       │ control ring │ control ring │ registration table:   │ bulk area: connector's half │ │
//       │ c→a          │ a→c          │ connector's entries,  │ acceptor's half (each side  │ │
//       │ (DONE,       │              │ then acceptor's       │ registers only in its own   │ │
//       │ TARGET)      │              │ (SEG_REG_ENTRY_*)     │ half; the peer reaches them │ │
//       │              │              │                       │ only through keys)          │ │
//       └──────────────┴──────────────┴───────────────────────┴───────────────────────────────┘
//
// Header line 0: +0 magic │ +4 version │ +8 total bytes │ +12 ring capacity (slots, both
// data rings) │ +16 slot bytes │ +20 offset of data ring c→a │ +24 offset of data ring a→c │
// +28 offset of the registration table │ +32 entries per side │ +36 offset of the bulk area │
// +40 bulk bytes (both halves) │ +44 offset of control ring c→a │ +48 offset of control ring
// a→c. Every offset is segment-relative; each side recomputes the whole header from the
// geometry it expects and refuses the segment (ERR_PROTO) unless every word matches.
//
// Each direction has two rings. The data ring carries the stream in order (NEGOTIATE, DATA,
// RNDV, FIN, RST), and its consumer may hold it (the application paused). The control ring
// carries what the other side needs to go on (DONE, TARGET); its consumer drains it whether
// or not the application reads, so control never waits behind data (as TCP's ACKs).
// A side's flags word: SEG_FLAG_WAIT_CREDIT while its sender waits for the peer to release
// slots of either ring (the peer rings after releasing), SEG_FLAG_RESET once it aborted.
export const SEG_MAGIC: u32 = 0x53455331;
export const SEG_VERSION: u32 = 2;
export const SEG_MAGIC_OFFSET: u32 = 0;
export const SEG_VERSION_OFFSET: u32 = 4;
export const SEG_TOTAL_BYTES_OFFSET: u32 = 8;
export const SEG_RING_CAPACITY_OFFSET: u32 = 12;
export const SEG_SLOT_BYTES_OFFSET: u32 = 16;
export const SEG_RING_C2A_OFFSET: u32 = 20;
export const SEG_RING_A2C_OFFSET: u32 = 24;
export const SEG_REG_TABLE_OFFSET: u32 = 28;
export const SEG_REG_ENTRIES_OFFSET: u32 = 32;
export const SEG_BULK_OFFSET: u32 = 36;
export const SEG_BULK_BYTES_OFFSET: u32 = 40;
export const SEG_CTL_C2A_OFFSET: u32 = 44;
export const SEG_CTL_A2C_OFFSET: u32 = 48;
// Geometry of both control rings, the same on every connection, in 16-byte slots (header and
// 8-byte body): room for a DONE for each registration the peer may have in flight with the
// default table (16 entries) plus TARGETs. A fuller ring only delays: its producer waits for
// credits as on the data ring, and its consumer never stops draining it.
export const SES_CTL_RING_CAPACITY: u32 = 32;
export const SES_CTL_SLOT_BYTES: u32 = 16;
export const SEG_CONNECTOR_FLAGS_OFFSET: u32 = CACHE_LINE_BYTES;
export const SEG_ACCEPTOR_FLAGS_OFFSET: u32 = 2 * CACHE_LINE_BYTES;
export const SEG_HEADER_BYTES: u32 = 3 * CACHE_LINE_BYTES;
export const SEG_FLAG_WAIT_CREDIT: u32 = 1;
export const SEG_FLAG_RESET: u32 = 2;
// Bulk halves and registered regions are aligned so that copies run on whole lines.
export const SEG_BULK_ALIGN_BYTES: u32 = CACHE_LINE_BYTES;
export const SEG_MAX_REG_ENTRIES: u32 = 256;
// Roles: which end of the connection a session is.
export const SES_ROLE_CONNECTOR: u32 = 0;
export const SES_ROLE_ACCEPTOR: u32 = 1;

// ── Memory registration entry (soft RNIC), in the segment's table and in private tables ──
//
//   +0 key u32 (0: free) │ +4 offset u32 │ +8 length u32 │ +12 access u32 (MEM_READ|MEM_WRITE)
//
// In the segment the offset is segment-relative and must lie in the owner's bulk half; in a
// process's private table it is an absolute address. A key is (generation << 8) | index, so a
// stale key of a reused entry never matches. Work requests on the soft RNIC carry keys and
// byte offsets into the registered region named by the key (MEM-9), never addresses.
export const REG_KEY_OFFSET: u32 = 0;
export const REG_OFFSET_OFFSET: u32 = 4;
export const REG_LENGTH_OFFSET: u32 = 8;
export const REG_ACCESS_OFFSET: u32 = 12;
export const REG_ENTRY_BYTES: u32 = 16;
export const REG_KEY_INDEX_MASK: u32 = 0xff;
export const MEM_READ: u32 = 1;
export const MEM_WRITE: u32 = 2;

// ── Fabric mirror (assembly/fabric/mirror.ts) ────────────────────────────────────────────
//
// Over libfabric each side keeps its own copy of the segment (its image) and registers it
// with FAB_NOTIFY_BYTES of wake-up buffers after it: +0 the 4 bytes every wake-up SEND
// carries, +FAB_NOTIFY_RECV_OFFSET where wake-ups are received (their contents are ignored).
export const FAB_NOTIFY_BYTES: u32 = 128;
export const FAB_NOTIFY_RECV_OFFSET: u32 = 64;

// ── Session messages: the type field of a message slot (MSG_TYPE_OFFSET) ──────────────────
//
// NEGOTIATE (first message each way, exactly SES_NEGOTIATE_BYTES ≤ 256, SES-6):
//   +0 version u32 │ +4 flags u32 (SES_FLAG_*) │ +8 credits u32 (posted receive buffers =
//   receive ring capacity) │ +12 slot bytes u32 │ +16 threshold u32 (bytes, a preference)
// DATA: the payload is stream bytes (bcopy, SES-8); length ≥ 1.
// RNDV (large send, SES-9): +0 total u32 (bytes of the whole send) │ +4 key u32 (read-based:
//   the sender's MEM_READ region holding bytes [first, total); 0 when write-based) │ +8 first
//   part (length - 8 bytes)
// TARGET (control ring; write-based, receiver → sender): +0 key u32 of a MEM_WRITE region │
//   +4 length u32
// DONE (control ring): +0 key u32 (read-based: the sender's region, now read; write-based:
//   the receiver's target, now written) │ +4 length u32
// FIN: no payload; the sender's half is closed (half-close, CLS-1). It follows the last
//   stream message at once: the sender keeps the bulk of its announced RNDVs until their
//   DONEs, which travel on the control ring.
// RST: no payload; the connection is aborted (the receiver reports ECONNRESET).
export const SES_MSG_NEGOTIATE: u32 = 1;
export const SES_MSG_DATA: u32 = 2;
export const SES_MSG_RNDV: u32 = 3;
export const SES_MSG_TARGET: u32 = 4;
export const SES_MSG_DONE: u32 = 5;
export const SES_MSG_FIN: u32 = 6;
export const SES_MSG_RST: u32 = 7;
export const SES_VERSION: u32 = 1;
export const SES_NEG_VERSION_OFFSET: u32 = 0;
export const SES_NEG_FLAGS_OFFSET: u32 = 4;
export const SES_NEG_CREDITS_OFFSET: u32 = 8;
export const SES_NEG_SLOT_BYTES_OFFSET: u32 = 12;
export const SES_NEG_THRESHOLD_OFFSET: u32 = 16;
export const SES_NEGOTIATE_BYTES: u32 = 20;
export const SES_NEGOTIATE_MAX_BYTES: u32 = 256;
export const SES_FLAG_RDMA_READ: u32 = 1;
export const SES_FLAGS_KNOWN: u32 = 1;
export const SES_RNDV_TOTAL_OFFSET: u32 = 0;
export const SES_RNDV_KEY_OFFSET: u32 = 4;
export const SES_RNDV_HEADER_BYTES: u32 = 8;
export const SES_CTL_KEY_OFFSET: u32 = 0;
export const SES_CTL_LENGTH_OFFSET: u32 = 4;
export const SES_CTL_BYTES: u32 = 8;
// Events sesPoll reports to its caller (positive; negative values are statuses).
export const SES_EV_NEGOTIATED: u32 = 1;
export const SES_EV_DATA: u32 = 2;
export const SES_EV_RNDV_READ: u32 = 3;
export const SES_EV_RNDV_WRITE: u32 = 4;
export const SES_EV_WRITE_DONE: u32 = 5;
export const SES_EV_SEND_DONE: u32 = 6;
export const SES_EV_TARGET: u32 = 7;
export const SES_EV_FIN: u32 = 8;
export const SES_EV_RST: u32 = 9;
