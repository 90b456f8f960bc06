import { execFile } from 'node:child_process';
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { demoMemoryRuntime } from './demo-memory-runtime';
import { readProgramOverOpcua, writeProgramOverOpcua } from './opcua-client';
import { hashPassword, loadUsersFile, userChecker } from './opcua-users';
import { type PlcServer, startPlcServer } from './plc-server';
import { loadTagMap } from './tag-map-file';

const run = promisify(execFile);
const fixtures = fileURLToPath(new URL('../../fixtures/plant-io/', import.meta.url));

/** node-opcua's own client in a separate process (fixtures/plant-io/opcua-peer.mjs). */
let peerPki = '';
async function peer(endpoint: string, step: string, args: Record<string, unknown> = {}) {
  const all = { pki: peerPki, ...args };
  const { stdout } = await run(
    process.execPath,
    [`${fixtures}opcua-peer.mjs`, endpoint, step, JSON.stringify(all)],
    {
      timeout: 100_000,
    },
  );
  return JSON.parse(stdout.trim().split('\n').pop()!) as Record<string, unknown>;
}

describe('serve-plc over OPC UA (security none, users file, anonymous off)', () => {
  let dir: string;
  let plc: PlcServer;
  let endpoint: string;
  const user = { user: 'operator', password: 'correct horse' };
  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'plc-server-'));
    peerPki = path.join(dir, 'peer-pki');
    await writeFile(
      path.join(dir, 'users.yaml'),
      `users:\n  - name: operator\n    password: "${hashPassword('correct horse')}"\n`,
    );
    const users = await loadUsersFile(path.join(dir, 'users.yaml'));
    plc = await startPlcServer({
      runtime: demoMemoryRuntime(),
      tags: await loadTagMap(`${fixtures}demo-tags.yaml`),
      modbus: false,
      opcua: { dataDir: dir, port: 0, security: 'none', checkUser: userChecker(users) },
    });
    endpoint = plc.opcua!.endpointUrl;
  }, 90_000);
  afterAll(async () => {
    await plc?.close();
    await rm(dir, { recursive: true, force: true });
  });

  type R = Record<string, Record<string, unknown>>;
  let r: R;
  let scansAfterPeer = 0;
  const v2 = 'PROGRAM Main\n(* v2 *)\nEND_PROGRAM\n';
  beforeAll(async () => {
    // one peer process for the whole conversation: node-opcua clients take seconds to start
    r = (await peer(endpoint, 'logins,browse,write,subscribe,file-read,file-write-bad,file-write-ok', {
      ...user,
      file: 'Main.st',
      'file-write-bad': 'garbage',
      'file-write-ok': v2,
    })) as R;
    scansAfterPeer = plc.loop.scanCount;
  }, 120_000);

  it('refuses anonymous sessions, a bad password and an unknown user', () => {
    expect(r.session).toBe(true);
    // anonymous is not even offered as a token policy
    expect(String(r.logins!.anonymous)).toMatch(/ANONYMOUS user token policy|BadIdentityToken/);
    expect(String(r.logins!.badPassword)).toMatch(/BadUserAccessDenied|BadIdentityTokenRejected/);
    expect(String(r.logins!.unknownUser)).toMatch(/BadUserAccessDenied|BadIdentityTokenRejected/);
  });

  it('browses a folder per program with typed variables, units and sampling interval', () => {
    const b = r.browse!;
    expect(b.objects).toEqual(expect.arrayContaining(['Main', 'Program']));
    expect(b.main).toEqual(expect.arrayContaining(['Counter', 'PatternBE', 'Setpoint', 'Trim']));
    expect(b.patternBE).toEqual({ value: 0x12345678, type: 'UInt32', status: 'Good' });
    expect(b.setpoint).toEqual({ value: 10, type: 'Double' });
    expect(b.patternLint).toEqual({ value: [0x01020304, 0x05060708], type: 'Int64' });
    expect(b.minimumSamplingInterval).toBe(0);
    expect(b.counterAccess).toBe(1);
    expect(b.setpointAccess).toBe(3);
    expect(b.units).toBe('bar');
  });

  it('writes land in the program at the next scan; bad writes get status codes', async () => {
    const w = r.write!;
    expect(w.trim).toBe('Good');
    expect(w.setpoint).toBe('Good');
    expect(w.readOnly).toBe('BadNotWritable');
    expect(w.outOfRange).toBe('BadOutOfRange');
    expect(w.wrongType).toBe('BadTypeMismatch');
    expect(w.lint).toBe('Good');
    expect(w.setpointAfter).toBeCloseTo(12.3);
    while (plc.loop.scanCount < scansAfterPeer + 2) await new Promise((res) => setTimeout(res, 5));
    expect(plc.loop.runtime.read('Trim')).toBe(-7);
    expect(plc.loop.runtime.read('Setpoint')).toBe(123);
    expect(plc.loop.runtime.read('PatternLint')).toBe(0x0102030405060709n);
  });

  it('a subscription sees the counter change every notification, status Good', () => {
    const values = r.subscribe!.values as { value: number; status: string }[];
    expect(values.length).toBeGreaterThanOrEqual(5);
    for (let i = 1; i < values.length; i++) expect(values[i]!.value).toBeGreaterThan(values[i - 1]!.value);
    expect(values.every((v) => v.status === 'Good')).toBe(true);
  });

  it('FileType: Open/Read/GetPosition/SetPosition/Close on the program source', () => {
    const f = r['file-read']!;
    const source = 'PROGRAM Main\nEND_PROGRAM\n';
    expect(f.size).toEqual([0, Buffer.byteLength(source)]);
    expect(f.openCount).toBe(1);
    expect(f.first).toBe(source.slice(0, 7));
    expect(f.position).toEqual([0, 7]);
    expect(f.text).toBe(source);
    expect(f.writeOnReadHandle).toBe('BadInvalidState');
    expect(f.close).toBe('Good');
    expect(f.closeAgain).toBe('BadInvalidArgument');
  });

  it('FileType write stages a change; ApplyChange applies it at a scan boundary or refuses it', () => {
    const bad = r['file-write-bad']!;
    expect(bad.open).toBe('Good');
    expect(bad.secondOpen).toBe('BadInvalidState');
    expect(bad.write).toBe('Good');
    expect(bad.close).toBe('Good');
    expect(bad.apply).toEqual({ status: 'Good', out: [false, 'Main.st: no PROGRAM'] });
    expect((r['file-write-ok']!.apply as { out: unknown[] }).out[0]).toBe(true);
    expect(plc.loop.runtime.programFiles()[0]!.text).toBe(v2);
  });

  it('our own client reads and writes the program the same way', async () => {
    const opts = { user: { name: 'operator', password: 'correct horse' }, dataDir: path.join(dir, 'client') };
    const files = await readProgramOverOpcua(endpoint, opts);
    expect(files).toEqual(plc.loop.runtime.programFiles());
    const text = 'PROGRAM Main\n(* v3 *)\nEND_PROGRAM\n';
    expect(await writeProgramOverOpcua(endpoint, [{ name: 'Main.st', text }], opts)).toMatchObject({
      ok: true,
    });
    expect((await readProgramOverOpcua(endpoint, opts))[0]!.text).toBe(text);
    const refused = await writeProgramOverOpcua(endpoint, [{ name: 'Main.st', text: 'nope' }], opts);
    expect(refused).toEqual({ ok: false, reason: 'Main.st: no PROGRAM' });
    await expect(writeProgramOverOpcua(endpoint, [{ name: 'Other.st', text }], opts)).rejects.toThrow(
      /no program file/,
    );
  }, 120_000);
});

describe('serve-plc over OPC UA with sign-and-encrypt', () => {
  let dir: string;
  let plc: PlcServer;
  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'plc-secure-'));
    peerPki = path.join(dir, 'peer-pki');
    const users = { users: [{ name: 'eng', password: hashPassword('s3cret') }] };
    plc = await startPlcServer({
      runtime: demoMemoryRuntime(),
      tags: await loadTagMap(`${fixtures}demo-tags.yaml`),
      modbus: false,
      opcua: {
        dataDir: dir,
        port: 0,
        security: 'sign-and-encrypt',
        checkUser: userChecker(users),
        trustUnknownClients: true,
      },
    });
  }, 90_000);
  afterAll(async () => {
    await plc?.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('accepts Basic256Sha256, Aes128 and Aes256 with encryption; refuses None and sign-only', async () => {
    const r = (await peer(plc.opcua!.endpointUrl, 'modes', {
      mode: 'SignAndEncrypt',
      policy: 'Basic256Sha256',
      user: 'eng',
      password: 's3cret',
      combos: [
        ['SignAndEncrypt', 'Basic256Sha256'],
        ['SignAndEncrypt', 'Aes128_Sha256_RsaOaep'],
        ['SignAndEncrypt', 'Aes256_Sha256_RsaPss'],
        ['None', 'None'],
        ['Sign', 'Basic256Sha256'],
      ],
    })) as Record<string, Record<string, string>>;
    const m = r.modes!;
    expect(m['SignAndEncrypt/Basic256Sha256']).toBe(`Good ${0x12345678}`);
    expect(m['SignAndEncrypt/Aes128_Sha256_RsaOaep']).toBe(`Good ${0x12345678}`);
    expect(m['SignAndEncrypt/Aes256_Sha256_RsaPss']).toBe(`Good ${0x12345678}`);
    expect(m['None/None']).toMatch(/^error/);
    expect(m['Sign/Basic256Sha256']).toMatch(/^error/);
    // certificates were made on first start in the data folder, by node-opcua's own PKI
    expect(await readdir(path.join(dir, 'pki', 'own', 'certs'))).toContain('server_certificate.pem');
  }, 120_000);
});
