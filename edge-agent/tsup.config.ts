import { defineConfig } from 'tsup';

export default defineConfig({
  entry: ['src/index.ts', 'src/cli.ts'],
  format: ['esm'],
  dts: { entry: 'src/index.ts' },
  clean: true,
  // Code reached by `import()` goes to chunks of its own, so the CLI entry does not load
  // node-opcua or the SDKs before a command needs them (docs/cli-startup.md).
  splitting: true,
  // BuildInfo.BuildDate of the OPC UA servers (plant-io/opcua-server.ts).
  define: { __PLCFLEET_BUILD_DATE__: JSON.stringify(new Date().toISOString()) },
  tsconfig: 'tsconfig.build.json',
  target: 'node20',
});
