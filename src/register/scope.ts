// Which connections the preload switches (as rsockets' preload_config scopes its preload): by
// program, by port and by destination host, from the environment and an optional JSON file;
// everything else goes to node:net untouched.
//
//   SANSWITCH_PRELOAD=off            node:net for everything (also 0, false, no)
//   SANSWITCH_PRELOAD_PORTS=80,3000-3999   only these ports (a connect's destination port,
//                                          a server's listen port; port 0 when unset only)
//   SANSWITCH_PRELOAD_HOSTS=db.local,10.0.0.5   only connects to these hosts, as written
//   SANSWITCH_PRELOAD_PROGRAMS=api.mjs,worker   only these programs (basename of argv[1])
//   SANSWITCH_PRELOAD_CONFIG=/etc/sanswitch.json  { "enabled", "ports", "hosts", "programs" },
//                                          each overridden by its variable above
import { readFileSync } from 'node:fs';
import { basename } from 'node:path';
import { invalidPreloadSetting } from '../errors.js';

/** Inclusive port ranges. */
type PortRanges = readonly (readonly [number, number])[];

/** What the preload switches; null lists mean "no limit". */
export interface PreloadScope {
  enabled: boolean;
  ports: PortRanges | null;
  hosts: ReadonlySet<string> | null;
  programs: ReadonlySet<string> | null;
}

interface ScopeFile {
  enabled?: boolean;
  ports?: string | (number | string)[];
  hosts?: string | string[];
  programs?: string | string[];
}

const OFF = new Set(['off', '0', 'false', 'no']);

function list(value: string | readonly (number | string)[]): string[] {
  const items = typeof value === 'string' ? value.split(',') : value.map(String);
  return items.map((item) => item.trim()).filter((item) => item !== '');
}

function parsePorts(name: string, value: string | readonly (number | string)[]): PortRanges {
  return list(value).map((item) => {
    const match = /^(\d+)(?:-(\d+))?$/.exec(item);
    const low = Number(match?.[1]);
    const high = Number(match?.[2] ?? match?.[1]);
    if (!match || low > high || high > 65535)
      throw invalidPreloadSetting(name, item, 'is not a port or range');
    return [low, high] as const;
  });
}

function readFile(path: string): ScopeFile {
  try {
    return JSON.parse(readFileSync(path, 'utf8')) as ScopeFile;
  } catch (err) {
    throw invalidPreloadSetting(
      'SANSWITCH_PRELOAD_CONFIG',
      path,
      `cannot be read (${(err as Error).message})`,
    );
  }
}

/** The scope that `env` (default: process.env) and its config file describe. Throws on bad values. */
export function preloadScope(env: NodeJS.ProcessEnv = process.env): PreloadScope {
  const file = env.SANSWITCH_PRELOAD_CONFIG ? readFile(env.SANSWITCH_PRELOAD_CONFIG) : {};
  const enabled = env.SANSWITCH_PRELOAD
    ? !OFF.has(env.SANSWITCH_PRELOAD.toLowerCase())
    : file.enabled !== false;
  const ports = env.SANSWITCH_PRELOAD_PORTS ?? file.ports;
  const hosts = env.SANSWITCH_PRELOAD_HOSTS ?? file.hosts;
  const programs = env.SANSWITCH_PRELOAD_PROGRAMS ?? file.programs;
  return {
    enabled,
    ports: ports === undefined ? null : parsePorts('SANSWITCH_PRELOAD_PORTS', ports),
    hosts: hosts === undefined ? null : new Set(list(hosts)),
    programs: programs === undefined ? null : new Set(list(programs)),
  };
}

/** Whether the preload applies to this process at all (`argv1`: the program's path). */
export function coversProgram(scope: PreloadScope, argv1 = process.argv[1] ?? ''): boolean {
  if (!scope.enabled) return false;
  return scope.programs === null || scope.programs.has(basename(argv1));
}

/** Whether a connection on `port` (a number, or what the app passed) is switched. */
export function coversPort(scope: PreloadScope, port: unknown): boolean {
  if (scope.ports === null) return true;
  const value = Number(port);
  return scope.ports.some(([low, high]) => value >= low && value <= high);
}

/** Whether a connect to `host` (as the app wrote it; absent is localhost) is switched. */
export function coversHost(scope: PreloadScope, host: unknown): boolean {
  if (scope.hosts === null) return true;
  return scope.hosts.has(typeof host === 'string' && host !== '' ? host : 'localhost');
}
