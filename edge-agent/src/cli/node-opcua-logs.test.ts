import { make_warningLog } from 'node-opcua';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { aboutPkcs1Decryption, routeNodeOpcuaLogsToStderr } from './node-opcua-logs';

describe('node-opcua log routing', () => {
  afterEach(() => vi.restoreAllMocks());

  it('drops the PKCS#1 v1.5 start-up warning and the client certificate notice, keeps every other warning on stderr', async () => {
    await routeNodeOpcuaLogsToStderr();
    const written: string[] = [];
    vi.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => {
      written.push(String(chunk));
      return true;
    });
    const w27 = make_warningLog('NODE-OPCUA-W27');
    w27('[NODE-OPCUA-W27]', 'node version', process.version);
    w27(
      '  you need to use node flag --security-revert=CVE-2023-46809 if you have issue with RSA PKCS#1 v1.5',
    );
    make_warningLog('client_base_impl')('Creating default certificate ... please wait');
    make_warningLog('TEST')('certificate of the server is not trusted');
    expect(written).toEqual(['certificate of the server is not trusted\n']);
  }, 30_000);

  it('recognises only that warning', () => {
    expect(aboutPkcs1Decryption(['[NODE-OPCUA-W27]', 'node version'])).toBe(true);
    expect(aboutPkcs1Decryption(['[NODE-OPCUA-W26] something else'])).toBe(false);
    expect(aboutPkcs1Decryption([])).toBe(false);
  });
});
