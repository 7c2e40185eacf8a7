// The operations of a session fuzz program, each read from the input: the hostile
// connector's (session-forge.ts), honest sends of either side (session-sends.ts), polls in
// which the application answers what a rendezvous asks for (TARGET for a write-based RNDV,
// DONE for a read one or for a TARGET performed) and drops what its side refused, and the
// flag words: waiting, parking, reset, the RNIC down.
import {
  ERR_AGAIN,
  ERR_PROTO,
  SES_EV_RNDV_READ,
  SES_EV_RNDV_WRITE,
  SES_EV_RST,
  SES_EV_SEND_DONE,
  SES_EV_TARGET,
  SES_EV_WRITE_DONE,
} from '../../src/wasm/layout.generated.js';
import type { Reader } from './byte-reader.js';
import { expect } from './model.js';
import { forge, scribble } from './session-forge.js';
import type { Side } from './session-model.js';
import { checkEvent } from './session-oracles.js';
import { predictPoll, type EventFields } from './session-receive.js';
import {
  remember,
  send,
  sendDone,
  sendTarget,
  type Area,
  type SessionContext,
} from './session-sends.js';
import type { WireRing } from './session-wire.js';

type Op = (ctx: SessionContext, read: Reader) => void;

/** Events whose key and length name a registered region. */
const REGIONS = new Set([SES_EV_TARGET, SES_EV_WRITE_DONE, SES_EV_SEND_DONE]);

/**
 * What the application does with an event: a rendezvous is answered (with a length one too
 * many when `how` says so), the rest is only read.
 */
function answer(ctx: SessionContext, side: Side, event: number, ev: EventFields, how: number) {
  const skew = how >= 0xf0 ? 1 : 0;
  const rest = (ev.total - ev.length) >>> 0;
  if (event === SES_EV_RNDV_WRITE) {
    const room = Math.max(0, ctx.geometry.halfBytes - rest);
    const address = ctx.layout.halves[side] + ((how * 61) % (room + 1));
    sendTarget(ctx, side, address, rest + skew);
  } else if (event === SES_EV_RNDV_READ) {
    sendDone(ctx, side, ev.key, rest + skew);
  } else if (event === SES_EV_TARGET) {
    sendDone(ctx, side, ev.key, ev.length + skew);
  }
}

/**
 * The application drops the message its side refused (the core leaves it at the front) and
 * goes on where a real one would reset, so that programs explore past their first violation.
 */
function drop(ctx: SessionContext, side: Side, control: boolean, ring: WireRing | undefined) {
  const { core, model } = ctx;
  const ses = ctx.layout.blocks[side];
  const ctlRx = core.sesCtlRxRing(ses);
  let onControl = control || ring === model?.sides[side].ctlRx;
  if (!model && !onControl) {
    onControl = ctx.step('ringFront', side, [], () => core.ringFront(ctlRx)) >= 0;
  }
  const local = onControl ? ctlRx : core.sesRxRing(ses);
  const want = ring && (ring.front() === null ? ERR_AGAIN : (ring.advance(), 0));
  ctx.step('ringAdvance', side, [], () => core.ringAdvance(local), want);
}

/** Up to four sesPoll (or sesPollControl) calls, answering, then sesRelease and sesFlush. */
function poll(ctx: SessionContext, side: Side, read: Reader, control: boolean): void {
  const { core } = ctx;
  const ses = ctx.layout.blocks[side];
  const times = (read.u8() % 4) + 1;
  const how = read.u8();
  const name = control ? 'sesPollControl' : 'sesPoll';
  const fn = control ? () => core.sesPollControl(ses) : () => core.sesPoll(ses);
  for (let i = 0; i < times; i++) {
    const want = ctx.model ? predictPoll(ctx.model, side, control) : undefined;
    const what = want ? ` (${want.what})` : '';
    const event = ctx.step(`${name}${what}`, side, ['table', 'peerHalf'], fn, want?.result);
    if (event === ERR_PROTO) drop(ctx, side, control, want?.ring);
    if (event < 0) continue;
    expect(event >= 1 && event <= SES_EV_RST, () => `${name} event ${event}`);
    const ev = checkEvent(ctx, side, event, want);
    if (event === SES_EV_RNDV_READ || event === SES_EV_RNDV_WRITE) {
      remember(ctx, ev.key, ev.total - ev.length);
    } else if (REGIONS.has(event)) remember(ctx, ev.key, ev.length);
    if (how % 4 !== 0) answer(ctx, side, event, ev, how);
  }
  const release = (): number => core.sesRelease(ses);
  ctx.step('sesRelease', side, ['rxHeads'], release, ctx.model?.release(side));
  ctx.flush(side);
}

/** sesReset: the model knows the RST it publishes at once. */
function reset(ctx: SessionContext, side: Side): void {
  const { core, model } = ctx;
  const ses = ctx.layout.blocks[side];
  const slots = model?.reset(side);
  const areas: Area[] = ['flags', 'txSlots', 'txTail', 'table'];
  ctx.step('sesReset', side, areas, () => (core.sesReset(ses), 0), slots ? 0 : undefined);
  for (const { address, bytes } of slots ?? []) ctx.expectBytes(address, bytes, 'RST');
}

/** The flag words either side writes: reset, parking, waiting for credits; the RNIC down. */
function flags(ctx: SessionContext, read: Reader): void {
  const { core, model } = ctx;
  const byte = read.u8();
  const side: Side = (byte >> 3) % 2 === 0 ? 0 : 1;
  const ses = ctx.layout.blocks[side];
  const call = (name: string, areas: Area[], fn: () => number, want?: number): void =>
    void ctx.step(name, side, areas, fn, want);
  const none = (fn: () => void): number | undefined => (model ? (fn(), 0) : undefined);
  // Resets are rare: after one, every poll of the peer reports RST.
  const kind = byte < 4 ? 0 : 1 + (byte % 7);
  if (kind === 0) reset(ctx, side);
  else if (kind === 1) {
    call('sesWaitCredit', ['flags'], () => core.sesWaitCredit(ses), model?.waitCredit(side));
  } else if (kind === 2) {
    call('sesWaitControl', ['flags'], () => core.sesWaitControl(ses), model?.waitControl(side));
  } else if (kind <= 4) {
    const held = byte & 1;
    call('sesPark', ['rxParked'], () => core.sesPark(ses, held), model?.park(side, held === 1));
  } else if (kind === 5) {
    call(
      'sesUnpark',
      ['rxParked'],
      () => (core.sesUnpark(ses), 0),
      none(() => model?.unpark(side)),
    );
  } else if (kind === 6) {
    call('sesPeerReset', [], () => core.sesPeerReset(ses), model?.peerReset(side));
    call('sesPeerConsumedAll', [], () => core.sesPeerConsumedAll(ses), model?.consumedAll(side));
  } else {
    const close = (byte & 0x40) !== 0;
    const down = (): number => (close ? core.sesClose(ses) : core.rnicDown(core.sesRnic(ses)), 0);
    call(
      close ? 'sesClose' : 'rnicDown',
      ['table'],
      down,
      none(() => model?.sides[side].rnic.down()),
    );
  }
}

const named = (name: string, fn: Op): Op => Object.defineProperty(fn, 'name', { value: name });
const times = (count: number, op: Op): Op[] => Array<Op>(count).fill(op);

const pollAcceptor = named('poll acceptor', (ctx, read) => poll(ctx, 1, read, false));
const pollControl = named('poll acceptor control', (ctx, read) => poll(ctx, 1, read, true));
const pollConnector = named('poll connector', (ctx, read) => poll(ctx, 0, read, false));
const sendConnector = named('send connector', (ctx, read) => send(ctx, 0, read));
const sendAcceptor = named('send acceptor', (ctx, read) => send(ctx, 1, read));

/** The operations, weighted by repetition; the input's op byte picks one (modulo). */
export const SESSION_OPS: readonly Op[] = [
  ...times(3, forge),
  ...times(3, scribble),
  ...times(4, pollAcceptor),
  pollControl,
  ...times(3, pollConnector),
  ...times(4, sendConnector),
  ...times(2, sendAcceptor),
  ...times(2, flags),
];
