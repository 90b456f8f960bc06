import { defineConfig } from 'tsup';

export default defineConfig({
  entry: [
    'src/index.ts',
    'src/iec/index.ts',
    'src/sim/index.ts',
    'src/safety/index.ts',
    'src/l5x/index.ts',
    'src/scl/index.ts',
    'src/plant-model/index.ts',
  ],
  format: ['esm'],
  dts: true,
  clean: true,
  tsconfig: 'tsconfig.build.json',
  target: 'node20',
});
