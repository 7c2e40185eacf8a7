// Test double, preloaded with --import into a `sanswitch` child process: every native addon
// (.node file) fails to load, as on a machine where the install-time native build failed.
import Module from 'node:module';

const loaders = (Module as unknown as { _extensions: Record<string, unknown> })._extensions;
loaders['.node'] = () => {
  throw new Error('simulated: the native build failed');
};
