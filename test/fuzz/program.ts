// The fuzz input format: how an arbitrary byte string becomes a bounded program of calls on
// one ring of the WASM core. Every byte string decodes to a program (missing bytes read as
// 0), so fast-check's byte shrinking shrinks programs; ProgramBuilder writes the same format.

/** Most calls one input may make: the core has no loops, so every program ends. */
export const MAX_OPS = 160;

/** Slot sizes a program's ring may have: queue entry sizes often, odd and large ones too. */
const SLOT_SIZES = [16, 32, 16, 32, 8, 24, 64, 136, 256, 512, 1024, 48] as const;
/** Ring sizes are kept at or below this many bytes of slots (the fuzz memory is one page). */
const MAX_SLOT_AREA_BYTES = 32768;

type Width = 1 | 2 | 4;

/** Each operation's name, weight in the opcode table, and argument fields in byte order. */
const OP_SPECS = [
  { kind: 'reserve', weight: 3, fields: [['fill', 1]] },
  { kind: 'commit', weight: 6, fields: [] },
  { kind: 'hasRoom', weight: 2, fields: [] },
  { kind: 'pending', weight: 2, fields: [] },
  { kind: 'front', weight: 4, fields: [] },
  { kind: 'advance', weight: 4, fields: [] },
  { kind: 'peek', weight: 3, fields: [] },
  { kind: 'release', weight: 5, fields: [] },
  { kind: 'park', weight: 2, fields: [] },
  { kind: 'unpark', weight: 2, fields: [] },
  {
    kind: 'msgWrite',
    weight: 8,
    fields: [
      ['lengthMode', 1],
      ['lengthRaw', 4],
      ['type', 4],
      ['src', 1],
      ['fill', 1],
    ],
  },
  {
    kind: 'msgRead',
    weight: 8,
    fields: [
      ['capacityMode', 1],
      ['capacityRaw', 4],
      ['dst', 1],
    ],
  },
  { kind: 'msgPeekLength', weight: 3, fields: [] },
  { kind: 'msgPeekType', weight: 2, fields: [] },
  {
    kind: 'sqPush',
    weight: 5,
    fields: [
      ['opcode', 1],
      ['flagsMode', 1],
      ['flagsRaw', 4],
      ['length', 4],
      ['userData', 4],
      ['localOffset', 4],
      ['localKey', 4],
      ['remoteOffset', 4],
      ['remoteKey', 4],
    ],
  },
  { kind: 'sqFront', weight: 4, fields: [] },
  {
    kind: 'cqPush',
    weight: 5,
    fields: [
      ['userData', 4],
      ['result', 4],
      ['flags', 4],
    ],
  },
  { kind: 'cqFront', weight: 4, fields: [] },
  {
    kind: 'hostile',
    weight: 6,
    fields: [
      ['target', 1],
      ['offsetRaw', 2],
      ['width', 1],
      ['valueMode', 1],
      ['valueRaw', 4],
    ],
  },
  {
    kind: 'attach',
    weight: 3,
    fields: [
      ['capacity', 4],
      ['slotBytes', 4],
      ['shared', 1],
      ['local', 1],
      ['sharedRaw', 4],
    ],
  },
  { kind: 'geometry', weight: 1, fields: [] },
] as const satisfies readonly {
  kind: string;
  weight: number;
  fields: readonly (readonly [string, Width])[];
}[];

type Spec = (typeof OP_SPECS)[number];
/** Names of the operations a program can contain. */
export type OpKind = Spec['kind'];
/** One decoded operation: its kind and its raw argument fields (unsigned integers). */
export interface Op {
  kind: OpKind;
  args: Readonly<Record<string, number>>;
}

/** The ring a program runs on, and whether it may play the hostile peer. */
export interface Geometry {
  capacity: number;
  slotBytes: number;
  /** Initial value of both free-running cursors (near 2^32 to cross the wrap early). */
  start: number;
  hostile: boolean;
}

export interface Program {
  geometry: Geometry;
  ops: Op[];
}

/** Opcode byte → operation, in proportion to the weights (byte modulo the total weight). */
const OPCODE_TABLE: readonly Spec[] = OP_SPECS.flatMap((spec) =>
  Array.from({ length: spec.weight }, () => spec as Spec),
);

/** Reads little-endian unsigned fields, yielding 0 once the bytes run out. */
class ByteReader {
  #at = 0;
  constructor(readonly bytes: Uint8Array) {}

  get done(): boolean {
    return this.#at >= this.bytes.length;
  }

  read(width: Width): number {
    let value = 0;
    for (let i = 0; i < width; i++) value += (this.bytes[this.#at++] ?? 0) * 2 ** (8 * i);
    return value;
  }
}

function decodeGeometry(reader: ByteReader): Geometry {
  let capacity = 2 ** (reader.read(1) % 9);
  const slotBytes = SLOT_SIZES[reader.read(1) % SLOT_SIZES.length] ?? 16;
  while (capacity > 1 && capacity * slotBytes > MAX_SLOT_AREA_BYTES) capacity /= 2;
  const startMode = reader.read(1) % 4;
  const startRaw = reader.read(4);
  const start = [0, 0xffffffff - (startRaw % (2 * capacity + 2)), startRaw, 0x7fffffff][
    startMode
  ] as number;
  const hostile = (reader.read(1) & 1) === 1;
  return { capacity, slotBytes, start, hostile };
}

/** The program that `bytes` encodes. Pure: the same bytes always give the same program. */
export function decodeProgram(bytes: Uint8Array): Program {
  const reader = new ByteReader(bytes);
  const geometry = decodeGeometry(reader);
  const ops: Op[] = [];
  while (!reader.done && ops.length < MAX_OPS) {
    const spec = OPCODE_TABLE[reader.read(1) % OPCODE_TABLE.length] as Spec;
    // Half the programs never play the hostile peer, so the model checks them exactly.
    if (spec.kind === 'hostile' && !geometry.hostile) continue;
    const args: Record<string, number> = {};
    for (const [name, width] of spec.fields) args[name] = reader.read(width);
    ops.push({ kind: spec.kind, args });
  }
  return { geometry, ops };
}

/** One line per operation, for corpus files and failure reports. */
export function listProgram(program: Program): string[] {
  const { capacity, slotBytes, start, hostile } = program.geometry;
  const head = `ring ${capacity} x ${slotBytes} B, start ${start}${hostile ? ', hostile' : ''}`;
  return [head, ...program.ops.map((op, i) => `${i}: ${op.kind} ${JSON.stringify(op.args)}`)];
}

/** Writes programs in the input format, for the curated seed corpus and regression tests. */
export class ProgramBuilder {
  readonly #bytes: number[] = [];

  /**
   * A program on a ring of 2^`capacityLog2` (0..8) slots of `slotBytes` (one of SLOT_SIZES,
   * and capacity × slotBytes ≤ 32 KiB) with cursors starting at `start`.
   */
  constructor(capacityLog2: number, slotBytes: number, start = 0, hostile = false) {
    const slotIndex = SLOT_SIZES.indexOf(slotBytes as (typeof SLOT_SIZES)[number]);
    if (slotIndex < 0) throw new RangeError(`no slot size ${slotBytes} in the table`);
    const startMode = start === 0 ? 0 : 2;
    this.#push(capacityLog2, 1).#push(slotIndex, 1).#push(startMode, 1).#push(start, 4);
    this.#push(hostile ? 1 : 0, 1);
  }

  /** Appends one operation; fields left out are 0. */
  op(kind: OpKind, args: Record<string, number> = {}): this {
    const index = OPCODE_TABLE.findIndex((spec) => spec.kind === kind);
    const spec = OPCODE_TABLE[index] as Spec;
    this.#push(index, 1);
    for (const [name, width] of spec.fields) this.#push(args[name] ?? 0, width);
    return this;
  }

  bytes(): Uint8Array {
    return Uint8Array.from(this.#bytes);
  }

  #push(value: number, width: Width): this {
    for (let i = 0; i < width; i++) this.#bytes.push(Math.floor(value / 2 ** (8 * i)) & 0xff);
    return this;
  }
}
