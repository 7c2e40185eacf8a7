// `sanswitch doctor`: what this machine and this process can do: each provider and why it is
// unavailable, the Node and V8 versions, the shared-memory self-test, the native shim, the
// RDMA devices, and libfabric's providers. Works where the native build failed: that is one of the things it reports.
import type { Command } from './command.js';
import { parseCommandArgs } from './args.js';
import type { DoctorReport } from './doctor-report.js';

const USAGE = `usage: sanswitch doctor [--json]
  Reports each provider (available here, or why not), the Node and V8 versions, the
  shared-memory self-test, the native shim's build and load status, the RDMA devices, and
  libfabric's providers with why the fabric provider can or cannot carry connections.
  --json   print the report as one JSON object instead
  Exit status 0 whatever it finds, 1 when the library itself cannot load, 2 for a bad
  command line.`;

function nativeLines(native: DoctorReport['native']): string[] {
  const { build } = native;
  const built =
    build.ok === true
      ? `built${build.builtAt ? ` ${build.builtAt}` : ''}`
      : build.ok === false
        ? 'build failed'
        : 'no build record';
  const lines = [`  native shim      ${native.loaded ? 'loaded' : 'not loaded'} (${built})`];
  const why = native.loaded ? null : (native.reason ?? build.reason);
  if (why) lines.push(...why.split('\n').map((line) => `                   ${line}`));
  return lines;
}

function rdmaLines(rdma: DoctorReport['rdma']): string[] {
  if (rdma.note !== null) return [`  RDMA devices     ${rdma.note}`];
  return rdma.devices.map((device, index) => {
    const ports = device.ports
      .map((p) => `port ${p.port} ${p.state ?? '?'} ${p.linkLayer ?? ''}`.trimEnd())
      .join(', ');
    const label = index === 0 ? 'RDMA devices' : '';
    return `  ${label.padEnd(16)} ${device.name}${ports ? `: ${ports}` : ''}`;
  });
}

function fabricLines(fabric: DoctorReport['fabric']): string[] {
  if (!fabric.library)
    return [`  libfabric        not loaded: ${fabric.missing ?? 'no reason given'}`];
  const { library } = fabric;
  const byProvider = new Map<string, string[]>();
  for (const p of library.providers) {
    const where = `${p.domain}${p.address ? ` ${p.address}` : ''}`;
    byProvider.set(p.provider, [...(byProvider.get(p.provider) ?? []), where]);
  }
  const found = [...byProvider].map(([name, domains]) => `${name} (${domains.join(', ')})`);
  const handlers = library.replaced
    ? `signal handlers ${library.replaced} replaced and put back`
    : 'signal handlers untouched';
  return [
    `  libfabric        ${library.version ?? '?'}, ${handlers}`,
    `  fabric providers ${found.join('; ') || 'none with FI_EP_MSG and RDMA'}`,
    `  fabric uses      ${fabric.provider}, SAN port = TCP port + ${fabric.portOffset ?? '?'}: ${fabric.unusable ?? 'usable'}`,
  ];
}

/** The report as the lines people read. */
export function formatDoctorReport(report: DoctorReport): string {
  const lines = [
    'sanswitch doctor',
    `  node             ${report.node} (V8 ${report.v8}) on ${report.platform} ${report.arch}`,
    'providers',
    ...report.providers.map(
      (p) =>
        `  ${`${p.id} ${p.version}`.padEnd(16)} ${p.available ? 'available' : `unavailable: ${p.reason ?? 'no reason given'}`}`,
    ),
    'checks',
    `  shm self-test    ${report.selfTest.available ? 'passed' : `failed: ${report.selfTest.reason ?? 'no reason given'}`}`,
    ...nativeLines(report.native),
    ...rdmaLines(report.rdma),
    ...fabricLines(report.fabric),
  ];
  return lines.join('\n');
}

/** `sanswitch doctor [--json]`. */
export const doctor: Command = {
  name: 'doctor',
  summary: 'providers, versions, the shared-memory self-test, native shim, RDMA devices',
  usage: USAGE,
  async run(argv) {
    const { values } = parseCommandArgs(
      argv,
      { json: { type: 'boolean' } },
      { min: 0, max: 0, names: '' },
    );
    if (values.help) {
      console.log(USAGE);
      return 0;
    }
    let gather: () => DoctorReport;
    try {
      gather = (await import('./doctor-report.js')).gatherDoctorReport;
    } catch (error) {
      console.error(
        `sanswitch doctor: the sanswitch library failed to load: ${(error as Error).message}`,
      );
      return 1;
    }
    const report = gather();
    console.log(values.json ? JSON.stringify(report, null, 2) : formatDoctorReport(report));
    return 0;
  },
};
