// `sanswitch doctor`: reports providers, versions, the self-test, the native shim and RDMA
// devices as text and JSON, and still works (exit 0, shm unavailable with the reason) in a
// process where the native shim cannot load, as after a failed native build.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli } from './helpers/cli-process.js';
import {
  findRdmaDevices,
  INFINIBAND_SYSFS,
  readNativeBuildStatus,
  type DoctorReport,
} from '../src/cli/doctor-report.js';

/** Node's version: the tcp provider's, as providers() reports it. */
const version = process.versions.node;

const NATIVE_FAILS = new URL('./helpers/native-load-fails.ts', import.meta.url).href;

test('doctor prints every section and exits 0', async () => {
  const { code, stdout } = await runCli(['doctor']);
  assert.is(code, 0);
  assert.match(stdout, `node             ${process.version} (V8 ${process.versions.v8})`);
  assert.match(stdout, /providers\n {2}tcp \d+\.\d+\.\d+ +available/);
  assert.match(stdout, /shm self-test {4}(passed|failed: .+)/);
  assert.match(stdout, /native shim {6}(loaded|not loaded)/);
  if (!existsSync(INFINIBAND_SYSFS)) {
    assert.match(stdout, 'RDMA devices     no RDMA devices (no /sys/class/infiniband)');
  }
  // libfabric's providers and the fabric provider's verdict, or why libfabric did not load.
  assert.match(stdout, /libfabric {8}(\d+\.\d+, signal handlers .+|not loaded: .+)/);
  if (!stdout.includes('libfabric        not loaded')) {
    assert.match(stdout, /fabric uses {6}\w+, SAN port = TCP port \+ \d+: (usable|.+)/);
  }
});

test('doctor --json gives the same facts as one JSON object', async () => {
  const { code, stdout } = await runCli(['doctor', '--json']);
  assert.is(code, 0);
  const report = JSON.parse(stdout) as DoctorReport;
  assert.is(report.node, process.version);
  assert.is(report.v8, process.versions.v8);
  assert.equal(report.providers[0], { id: 'tcp', version, available: true, reason: null });
  assert.type(report.selfTest.available, 'boolean');
  assert.type(report.native.loaded, 'boolean');
  assert.ok(Array.isArray(report.rdma.devices));
  assert.ok(report.fabric.library === null || Array.isArray(report.fabric.library.providers));
  assert.is(report.fabric.library === null, report.fabric.missing !== null);
  for (const provider of report.providers) {
    assert.is(provider.available, provider.reason === null, provider.id);
  }
});

test('doctor works where the native shim cannot load: shm unavailable, reason given', async () => {
  const { code, stdout } = await runCli(['doctor', '--json'], { preload: [NATIVE_FAILS] });
  assert.is(code, 0);
  const report = JSON.parse(stdout) as DoctorReport;
  assert.is(report.native.loaded, false);
  assert.match(report.native.reason ?? '', 'simulated: the native build failed');
  assert.is(report.selfTest.available, false);
  assert.match(report.selfTest.reason ?? '', 'simulated');
  assert.equal(report.providers[0], { id: 'tcp', version, available: true, reason: null });
  const shm = report.providers.find((provider) => provider.id === 'shm');
  if (shm) assert.is(shm.available, false);
  const text = await runCli(['doctor'], { preload: [NATIVE_FAILS] });
  assert.is(text.code, 0);
  assert.match(text.stdout, /native shim {6}not loaded/);
  assert.match(text.stdout, /shm self-test {4}failed: .*simulated/);
});

test('findRdmaDevices lists sysfs devices with their ports, and says why there are none', () => {
  const root = mkdtempSync(join(tmpdir(), 'sanswitch-ib-'));
  try {
    assert.equal(findRdmaDevices(join(root, 'absent')), {
      devices: [],
      note: `no RDMA devices (no ${join(root, 'absent')})`,
    });
    assert.equal(findRdmaDevices(root).note, `no RDMA devices (${root} is empty)`);
    mkdirSync(join(root, 'mlx5_0', 'ports', '1'), { recursive: true });
    writeFileSync(join(root, 'mlx5_0', 'ports', '1', 'state'), '4: ACTIVE\n');
    writeFileSync(join(root, 'mlx5_0', 'ports', '1', 'link_layer'), 'InfiniBand\n');
    assert.equal(findRdmaDevices(root), {
      devices: [
        { name: 'mlx5_0', ports: [{ port: '1', state: '4: ACTIVE', linkLayer: 'InfiniBand' }] },
      ],
      note: null,
    });
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

test('readNativeBuildStatus reports a failed build, and a missing or broken record', () => {
  const root = mkdtempSync(join(tmpdir(), 'sanswitch-status-'));
  try {
    const file = join(root, 'native-status.json');
    assert.is(readNativeBuildStatus(file).ok, null);
    assert.match(readNativeBuildStatus(file).reason ?? '', 'no build record');
    writeFileSync(file, JSON.stringify({ ok: false, reason: 'gyp: no compiler', builtAt: 'x' }));
    assert.equal(readNativeBuildStatus(file), {
      ok: false,
      reason: 'gyp: no compiler',
      builtAt: 'x',
    });
    writeFileSync(file, '{');
    assert.match(readNativeBuildStatus(file).reason ?? '', 'unreadable build record');
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

test.run();
