import { describe, expect, it } from 'vitest';
import { PlcfleetError } from '../errors';
import { DEFAULT_SERVER, resolveCliConfig } from './cli-config';
import { EXIT, exitCodeOf, UsageError } from './exit-codes';

describe('resolveCliConfig', () => {
  it('takes flags over the environment over defaults', () => {
    const env = { PLCFLEET_SERVER: 'http://cp.example:8480', PLCFLEET_TOKEN: 'env-token' };
    expect(resolveCliConfig({}, {}, false)).toEqual({
      server: DEFAULT_SERVER,
      token: undefined,
      json: false,
      color: false,
    });
    expect(resolveCliConfig({}, env, false)).toMatchObject({
      server: 'http://cp.example:8480',
      token: 'env-token',
    });
    expect(resolveCliConfig({ server: 'https://other', token: 'flag' }, env, false)).toMatchObject({
      server: 'https://other',
      token: 'flag',
    });
  });

  it('treats an empty PLCFLEET_TOKEN as no token', () => {
    expect(resolveCliConfig({}, { PLCFLEET_TOKEN: '' }, false).token).toBeUndefined();
  });

  it('colours on a terminal unless NO_COLOR, and as the flags say', () => {
    expect(resolveCliConfig({}, {}, true).color).toBe(true);
    expect(resolveCliConfig({}, { NO_COLOR: '1' }, true).color).toBe(false);
    expect(resolveCliConfig({}, { FORCE_COLOR: '1' }, false).color).toBe(true);
    expect(resolveCliConfig({ color: true }, { NO_COLOR: '1' }, false).color).toBe(true);
    expect(resolveCliConfig({ color: false }, {}, true).color).toBe(false);
  });

  it('refuses a server that is not an http(s) URL as a usage error', () => {
    expect(() => resolveCliConfig({ server: 'cp.example:8480' }, {}, false)).toThrow(UsageError);
    expect(() => resolveCliConfig({}, { PLCFLEET_SERVER: 'ftp://x' }, false)).toThrow(/not an http\(s\) URL/);
  });
});

describe('exitCodeOf', () => {
  it.each([
    ['UNAUTHORIZED', 401, EXIT.AUTH],
    ['FORBIDDEN', 403, EXIT.AUTH],
    ['FOUR_EYES', 403, EXIT.AUTH],
    ['NOT_FOUND', 404, EXIT.NOT_FOUND],
    ['UNREACHABLE', undefined, EXIT.UNREACHABLE],
    ['UNAVAILABLE', 503, EXIT.UNREACHABLE],
    ['VALIDATION', 400, EXIT.USAGE],
    ['CONFLICT', 409, EXIT.FAILED],
    ['SAFETY_REJECTED', 409, EXIT.FAILED],
    ['BAD_RESPONSE', 200, EXIT.FAILED],
  ] as const)('%s (HTTP %s) → %i', (code, status, exit) => {
    expect(exitCodeOf(new PlcfleetError(code, 'x', status === undefined ? {} : { status }))).toBe(exit);
  });

  it('maps usage errors to 2 and anything else to 1', () => {
    expect(exitCodeOf(new UsageError('bad file'))).toBe(EXIT.USAGE);
    expect(exitCodeOf(new Error('boom'))).toBe(EXIT.FAILED);
  });
});
