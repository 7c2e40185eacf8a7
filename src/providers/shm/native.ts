// The native shim as the shm provider uses it: loaded once, and only after the probe found it
// (and the shared-memory self-test) working, so that the other files need no null checks.
import { loadNative, type NativeAddon } from '../../native/addon.js';
import { systemError, statusToError } from '../../errors.js';

/** The loaded shim. Throws EOPNOTSUPP when it is not loaded (the probe said so already). */
export function addon(): NativeAddon {
  const loaded = loadNative();
  if (!loaded.addon) throw systemError('EOPNOTSUPP', { syscall: 'socket' });
  return loaded.addon;
}

/** Returns a non-negative native result, or throws its status as an error for `syscall`. */
export function check(result: number, syscall: string): number {
  if (result < 0) throw statusToError(result, { syscall });
  return result;
}

/** Closes `fd` if it is open (>= 0); close errors are ignored: the fd is gone either way. */
export function closeQuietly(fd: number): void {
  if (fd >= 0) addon().closeFd(fd);
}
