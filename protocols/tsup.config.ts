import { defineConfig } from 'tsup';

export default defineConfig({
  entry: ['src/index.ts', 'src/signing.ts'],
  format: ['esm'],
  dts: true,
  clean: true,
  tsconfig: 'tsconfig.build.json',
  target: 'node20',
});
