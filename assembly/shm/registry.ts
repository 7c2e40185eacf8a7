// Memory registration of the soft RNIC (MEM-1..4): keys, bounds and access flags. Local
// registrations live only in the private table; remote ones are also published in this
// side's part of the segment's table, where the peer's RNIC finds (and validates) them.

import {
  REG_KEY_OFFSET,
  REG_OFFSET_OFFSET,
  REG_LENGTH_OFFSET,
  REG_ACCESS_OFFSET,
  REG_ENTRY_BYTES,
  REG_KEY_INDEX_MASK,
  MEM_READ,
  MEM_WRITE,
} from '../layout';
import { ERR_INVAL, ERR_NOBUFS, ERR_NOTCONN } from '../status';
import {
  R_SEG_BASE,
  R_OWN_HALF,
  R_HALF_BYTES,
  R_OWN_TABLE,
  R_ENTRIES,
  R_UP,
  R_GENERATION,
  R_TABLE,
  ACCESS_REMOTE,
} from './state';

@inline function privateEntry(rnic: u32, index: u32): u32 {
  return rnic + R_TABLE + index * REG_ENTRY_BYTES;
}

@inline function inRange(address: u32, length: u32, start: u32, bytes: u32): bool {
  return address >= start && <u64>address + <u64>length <= <u64>start + <u64>bytes;
}

/**
 * Registers [address, address + length) of this process's memory with `access` (MEM_READ,
 * MEM_WRITE or both). With `remote` the region is published for the peer (MEM-2) and must lie
 * in this side's bulk half. Returns the key (> 0); ERR_INVAL for bad flags or bounds;
 * ERR_NOTCONN when the connection is down; ERR_NOBUFS when every entry is in use (SES-10).
 */
export function memRegister(rnic: u32, address: u32, length: u32, access: u32, remote: bool): i32 {
  if (access == 0 || (access & ~(MEM_READ | MEM_WRITE)) != 0) return ERR_INVAL;
  if (load<u32>(rnic + R_UP) == 0) return ERR_NOTCONN;
  if (remote) {
    if (!inRange(address, length, load<u32>(rnic + R_OWN_HALF), load<u32>(rnic + R_HALF_BYTES))) {
      return ERR_INVAL;
    }
  } else if (<u64>address + <u64>length > <u64>memory.size() << 16) {
    return ERR_INVAL;
  }
  const entries = load<u32>(rnic + R_ENTRIES);
  for (let index: u32 = 0; index < entries; index++) {
    const entry = privateEntry(rnic, index);
    if (load<u32>(entry + REG_KEY_OFFSET) != 0) continue;
    let generation = (load<u32>(rnic + R_GENERATION) + 1) & 0xffffff;
    if (generation == 0) generation = 1;
    store<u32>(rnic + R_GENERATION, generation);
    const key = (generation << 8) | index;
    store<u32>(entry + REG_OFFSET_OFFSET, address);
    store<u32>(entry + REG_LENGTH_OFFSET, length);
    store<u32>(entry + REG_ACCESS_OFFSET, access | (remote ? ACCESS_REMOTE : 0));
    store<u32>(entry + REG_KEY_OFFSET, key);
    if (remote) {
      const shared = load<u32>(rnic + R_OWN_TABLE) + index * REG_ENTRY_BYTES;
      store<u32>(shared + REG_OFFSET_OFFSET, address - load<u32>(rnic + R_SEG_BASE));
      store<u32>(shared + REG_LENGTH_OFFSET, length);
      store<u32>(shared + REG_ACCESS_OFFSET, access);
      // Release store: the peer's RNIC sees the fields above once it sees the key.
      atomic.store<u32>(shared + REG_KEY_OFFSET, key);
    }
    return <i32>key;
  }
  return ERR_NOBUFS;
}

/** Private table entry of a live `key`, or 0 when the key is unknown or stale. */
export function memEntry(rnic: u32, key: u32): u32 {
  const index = key & REG_KEY_INDEX_MASK;
  if (key == 0 || index >= load<u32>(rnic + R_ENTRIES)) return 0;
  const entry = privateEntry(rnic, index);
  return load<u32>(entry + REG_KEY_OFFSET) == key ? entry : 0;
}

/**
 * Ends a registration: the region is unreachable to the peer once this returns (MEM-3).
 * Returns 0, or ERR_INVAL for an unknown key (MEM-6).
 */
export function memDeregister(rnic: u32, key: u32): i32 {
  const entry = memEntry(rnic, key);
  if (entry == 0) return ERR_INVAL;
  if ((load<u32>(entry + REG_ACCESS_OFFSET) & ACCESS_REMOTE) != 0) {
    const index = key & REG_KEY_INDEX_MASK;
    atomic.store<u32>(load<u32>(rnic + R_OWN_TABLE) + index * REG_ENTRY_BYTES + REG_KEY_OFFSET, 0);
  }
  store<u32>(entry + REG_KEY_OFFSET, 0);
  return 0;
}

/** Registered length of a live `key`, or ERR_INVAL. */
export function memLength(rnic: u32, key: u32): i32 {
  const entry = memEntry(rnic, key);
  return entry == 0 ? ERR_INVAL : <i32>load<u32>(entry + REG_LENGTH_OFFSET);
}

/** Access flags of a live `key` (MEM_* plus 0x100 when published to the peer), or 0. */
export function memAccess(rnic: u32, key: u32): u32 {
  const entry = memEntry(rnic, key);
  return entry == 0 ? 0 : load<u32>(entry + REG_ACCESS_OFFSET);
}

/** Live registrations published to the peer with exactly `access` (MEM_READ, MEM_WRITE). */
export function memPublished(rnic: u32, access: u32): u32 {
  const entries = load<u32>(rnic + R_ENTRIES);
  let count: u32 = 0;
  for (let index: u32 = 0; index < entries; index++) {
    const entry = privateEntry(rnic, index);
    if (load<u32>(entry + REG_KEY_OFFSET) == 0) continue;
    if (load<u32>(entry + REG_ACCESS_OFFSET) == (access | ACCESS_REMOTE)) count++;
  }
  return count;
}
