// The decline ledger (CON-5): a TCP client from a declined address reports san-declined once
// per decline, and only within DECLINE_MEMORY_MS of it.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { DECLINE_MEMORY_MS, DeclineLedger } from '../src/switch/declines.js';

test('CON-5: each decline marks one TCP client of that address, within its memory', () => {
  const ledger = new DeclineLedger();
  ledger.record('127.0.0.1', 0);
  ledger.record('127.0.0.1', 10);
  ledger.record('::1', 0);
  assert.is(ledger.take('10.0.0.1', 20), false, 'another address');
  assert.is(ledger.take(undefined, 20), false, 'no address');
  assert.is(ledger.take('127.0.0.1', 20), true);
  assert.is(ledger.take('127.0.0.1', 20), true);
  assert.is(ledger.take('127.0.0.1', 20), false, 'two declines, two clients');
  assert.is(ledger.take('::1', DECLINE_MEMORY_MS + 1), false, 'forgotten after its memory');
});

test.run();
