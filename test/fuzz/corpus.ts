// The fuzz corpus in test/fuzz/corpus/: curated seed inputs (seed-*.json) and the shrunk
// inputs of past findings (finding-*.json; session-*.json for the session target), one JSON
// file each; corpus-replay.test.ts runs every one of them in `npm test`.
import { createHash } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { decodeProgram, listProgram } from './program.js';

/** Where corpus files live. */
export const CORPUS_DIR = fileURLToPath(new URL('./corpus/', import.meta.url));

export interface CorpusEntry {
  /** What the input exercises (seeds) or what it broke (findings). */
  description: string;
  /** The input bytes, as hex. */
  hex: string;
  /** For findings: the fast-check seed and path that reproduce the original run. */
  seed?: number;
  path?: string;
  /** The decoded program, for reading only (the bytes are the input). */
  program: string[];
}

export interface CorpusFile {
  name: string;
  entry: CorpusEntry;
  bytes: Uint8Array;
}

/** Every corpus file, sorted by name. */
export function loadCorpus(dir = CORPUS_DIR): CorpusFile[] {
  let names: string[];
  try {
    names = readdirSync(dir).filter((name) => name.endsWith('.json'));
  } catch {
    return [];
  }
  return names.sort().map((name) => {
    const entry = JSON.parse(readFileSync(dir + name, 'utf8')) as CorpusEntry;
    return { name, entry, bytes: Uint8Array.from(Buffer.from(entry.hex, 'hex')) };
  });
}

/** A corpus entry for `bytes`, with its decoded program when `listed` (ring programs). */
export function corpusEntry(bytes: Uint8Array, description: string, listed = true): CorpusEntry {
  const hex = Buffer.from(bytes).toString('hex');
  return { description, hex, program: listed ? listProgram(decodeProgram(bytes)) : [] };
}

/** Writes `entry` as `<prefix>-<hash of the bytes>.json` and returns the file's path. */
export function saveCorpusEntry(prefix: string, entry: CorpusEntry, dir = CORPUS_DIR): string {
  const hash = createHash('sha1').update(entry.hex).digest('hex').slice(0, 12);
  mkdirSync(dir, { recursive: true });
  const path = `${dir}${prefix}-${hash}.json`;
  writeFileSync(path, `${JSON.stringify(entry, null, 2)}\n`);
  return path;
}
