import { defineConfig } from 'vitest/config';

// One root config, one project per package plus the cross-package tests.
// The `source` condition resolves @plcfleet/* to their TypeScript sources,
// so tests never depend on a stale build.
const project = (name: string, include: string[]) => ({
  extends: true as const,
  test: { name, include },
});

export default defineConfig({
  resolve: { conditions: ['source'] },
  ssr: { resolve: { conditions: ['source'] } },
  test: {
    testTimeout: 30_000,
    hookTimeout: 30_000,
    globalSetup: ['./test/tmp-root.ts'],
    projects: [
      project('protocols', ['protocols/src/**/*.test.ts']),
      project('toolchain', ['edge-agent/toolchain/{src,conformance}/**/*.test.ts']),
      project('edge-agent', ['edge-agent/src/**/*.test.ts']),
      project('control-plane', ['control-plane/src/**/*.test.ts']),
      project('sdk', ['sdk/src/**/*.test.ts']),
      project('e2e', ['test/**/*.test.ts']),
    ],
  },
});
