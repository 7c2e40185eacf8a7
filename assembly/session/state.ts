// Private state of one session endpoint (one per connection and process): its trusted
// geometry, the endpoints of its rings, its RNIC, and the last event for the caller to read.
// Never in a shared window: the peer can change none of it.

import { RING_HEADER_BYTES, SQE_BYTES, CQE_BYTES } from '../layout';

// Private block, sesStateBytes(entries) bytes, 64-byte aligned:
//
//   +0 segBase      +4 role          +8 localFlags    +12 state bits (S_*)
//   +16 peerFlags   +20 reserved      +24 rxTargetKey (write-based receive awaiting DONE)
//   +28 rxWaitTarget (bytes a write-based RNDV still needs a TARGET for)
//   +32 txWriteKey (local source of a write-based send awaiting TARGET) +36 txWriteLength
//   +40 ev addr     +44 ev length    +48 ev key       +52 ev total
//   +56 reserved    +60 halfBytes    +64 ownFlags addr +68 peerFlags addr
//   +72 reserved slot (a credit taken ahead by sesWaitCredit, 0 when none)
//   +76 the DATA slot being filled (between sesDataSlot and sesDataCommit)
//   +80 ev source (the peer's bytes a read-based RNDV leaves to the caller to copy)
//   +128 tx ring endpoint │ +192 rx ring endpoint │ +256 sq producer (the session)
//   +320 cq consumer (the session) │ +384 sq consumer (the RNIC) │ +448 cq producer (the RNIC)
//   +512 sq ring (SES_QUEUE_DEPTH SQEs) │ +768 cq ring (SES_QUEUE_DEPTH CQEs)
//   +960 control tx ring endpoint │ +1024 control rx ring endpoint │ +1088 RNIC
@inline export const S_SEG: u32 = 0;
@inline export const S_ROLE: u32 = 4;
@inline export const S_LOCAL_FLAGS: u32 = 8;
@inline export const S_STATE: u32 = 12;
@inline export const S_PEER_FLAGS: u32 = 16;
@inline export const S_RX_TARGET_KEY: u32 = 24;
@inline export const S_RX_WAIT_TARGET: u32 = 28;
@inline export const S_TX_WRITE_KEY: u32 = 32;
@inline export const S_TX_WRITE_LENGTH: u32 = 36;
@inline export const S_EV_ADDR: u32 = 40;
@inline export const S_EV_LENGTH: u32 = 44;
@inline export const S_EV_KEY: u32 = 48;
@inline export const S_EV_TOTAL: u32 = 52;
@inline export const S_HALF_BYTES: u32 = 60;
@inline export const S_OWN_FLAGS: u32 = 64;
@inline export const S_PEER_FLAGS_ADDR: u32 = 68;
@inline export const S_RESERVED_SLOT: u32 = 72;
@inline export const S_DATA_SLOT: u32 = 76;
@inline export const S_EV_SOURCE: u32 = 80;
@inline export const S_TX: u32 = 128;
@inline export const S_RX: u32 = 192;
@inline export const S_SQ: u32 = 256;
@inline export const S_CQ: u32 = 320;
@inline export const S_RNIC_SQ: u32 = 384;
@inline export const S_RNIC_CQ: u32 = 448;
@inline export const S_SQ_RING: u32 = 512;
// The session runs one work request at a time; 4 leaves room without costing much.
@inline export const SES_QUEUE_DEPTH: u32 = 4;
@inline export const S_CQ_RING: u32 = S_SQ_RING + RING_HEADER_BYTES + SES_QUEUE_DEPTH * SQE_BYTES;
@inline export const S_CTL_TX: u32 = S_CQ_RING + RING_HEADER_BYTES + SES_QUEUE_DEPTH * CQE_BYTES;
@inline export const S_CTL_RX: u32 = S_CTL_TX + 64;
@inline export const S_RNIC: u32 = S_CTL_RX + 64;

// State bits.
@inline export const S_NEG_SENT: u32 = 1;
@inline export const S_NEG_RECEIVED: u32 = 2;
@inline export const S_FIN_SENT: u32 = 4;
@inline export const S_FIN_RECEIVED: u32 = 8;
@inline export const S_RESET: u32 = 16;
@inline export const S_WAITING: u32 = 32;

@inline export function hasState(ses: u32, bit: u32): bool {
  return (load<u32>(ses + S_STATE) & bit) != 0;
}

@inline export function setState(ses: u32, bit: u32): void {
  store<u32>(ses + S_STATE, load<u32>(ses + S_STATE) | bit);
}

@inline export function clearState(ses: u32, bit: u32): void {
  store<u32>(ses + S_STATE, load<u32>(ses + S_STATE) & ~bit);
}
