import { defineConfig } from 'tsup';

// @plcfleet/protocols is bundled in: the SDK installs on its own from a tarball
// and pulls nothing but zod, commander and yaml (no PLC or database drivers).
export default defineConfig({
  entry: ['src/index.ts', 'src/cli.ts'],
  format: ['esm'],
  dts: { entry: 'src/index.ts', resolve: ['@plcfleet/protocols'] },
  noExternal: ['@plcfleet/protocols'],
  clean: true,
  tsconfig: 'tsconfig.build.json',
  target: 'node20',
});
