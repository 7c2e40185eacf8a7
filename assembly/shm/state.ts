// Private state of one soft RNIC (one per connection): where its segment is mapped in this
// process, which bulk half is its own, and its trusted registration table. It never lives
// in a shared window, so the peer cannot change what this side believes.

// Private block, RNIC_STATE_BYTES:
//
//   +0 segBase u32    absolute address of the segment in this process
//   +4 ownHalf u32    absolute address of this side's bulk half
//   +8 peerHalf u32   segment-relative offset of the peer's bulk half
//   +12 halfBytes     bytes of one bulk half
//   +16 ownTable u32  absolute address of this side's entries in the segment's table
//   +20 peerTable u32 absolute address of the peer's entries in the segment's table
//   +24 entries u32   entries per side
//   +28 up u32        1 while the connection is up (MEM-3)
//   +32 generation    last generation handed out in a key
//   +64 private table: `entries` × REG_ENTRY_BYTES, absolute addresses (trusted)
@inline export const R_SEG_BASE: u32 = 0;
@inline export const R_OWN_HALF: u32 = 4;
@inline export const R_PEER_HALF: u32 = 8;
@inline export const R_HALF_BYTES: u32 = 12;
@inline export const R_OWN_TABLE: u32 = 16;
@inline export const R_PEER_TABLE: u32 = 20;
@inline export const R_ENTRIES: u32 = 24;
@inline export const R_UP: u32 = 28;
@inline export const R_GENERATION: u32 = 32;
@inline export const R_TABLE: u32 = 64;
// Private-table access bit: the region is also published in the segment for the peer.
@inline export const ACCESS_REMOTE: u32 = 0x100;
