/**
 * The running program as OPC UA FileType objects (OPC 10000-5 Annex C), one
 * per source file, under a `Program` object, and an `ApplyChange` method.
 *
 * Reading a file gives its running text. Writing (Open with Write|EraseExisting,
 * Write, Close) only stages new text; `ApplyChange` then hands every staged file
 * at once to the PLC, which applies it at a scan boundary as an online change or
 * refuses it with a reason (the method's outputs, also kept in `LastChange`).
 * Several files change together, so a change spanning files is atomic.
 *
 * We implement the FileType methods here rather than use node-opcua-file-transfer:
 * that package pins exact versions of node-opcua's core packages and, next to
 * node-opcua 2.182.2, installs a second copy that breaks at run time.
 */
import {
  DataType,
  type ISessionContext,
  type StatusCode,
  StatusCodes,
  type UAMethod,
  type UAObject,
  type UAVariable,
  Variant,
  VariantArrayType,
} from 'node-opcua';
import type { PlantOpcuaServer } from './opcua-server';
import type { OnlineChangeResult, ProgramFile } from './plc-runtime';

/** FileType Open mode bits (OPC 10000-5 C.2.1). */
export const FILE_MODE = { Read: 1, Write: 2, EraseExisting: 4, Append: 8 } as const;

/** Largest chunk one Read returns (bytes). */
export const MAX_READ_CHUNK = 65_536;
/** Largest program file accepted (bytes). */
const MAX_PROGRAM_FILE = 4 * 1024 * 1024;

/** Where {@link exposeProgramFiles} gets the program and sends changes. */
export interface ProgramFileHost {
  /** The running program's files. */
  files(): ProgramFile[];
  /** Applies a full new file set at the next scan boundary. */
  apply(files: ProgramFile[]): Promise<OnlineChangeResult>;
  /** Whether a session may stage a change (e.g. only authenticated users). @default always */
  mayWrite?(context: ISessionContext): boolean;
}

interface Handle {
  file: string;
  mode: number;
  position: number;
  session: string;
  /** Content being written (write handles), else the snapshot read. */
  data: Buffer;
}

/** Adds `Program` with a FileType object per file to `parent`; returns a function that refreshes Size after a change. */
export function exposeProgramFiles(
  server: PlantOpcuaServer,
  parent: UAObject,
  host: ProgramFileHost,
): { refresh(): void } {
  const ns = server.namespace;
  const fileType = server.addressSpace.findObjectType('FileType');
  if (!fileType) throw new Error('FileType missing from the address space');
  const program = ns.addObject({ organizedBy: parent, browseName: 'Program', nodeId: 's=Program' });
  const lastChange = ns.addVariable({
    componentOf: program,
    browseName: 'LastChange',
    nodeId: 's=Program.LastChange',
    dataType: DataType.String,
    minimumSamplingInterval: 0,
    value: new Variant({ dataType: DataType.String, value: '' }),
  });
  const handles = new Map<number, Handle>();
  const staged = new Map<string, Buffer>();
  let nextHandle = 1;
  const nodes = new Map<string, { size: UAVariable; openCount: UAVariable }>();

  const textOf = (name: string): Buffer | undefined => {
    const f = host.files().find((x) => x.name === name);
    return f ? Buffer.from(f.text, 'utf8') : undefined;
  };
  const sessionOf = (ctx: ISessionContext) => ctx.session?.getSessionId().toString() ?? '';
  const uint64 = (n: number) =>
    new Variant({
      dataType: DataType.UInt64,
      arrayType: VariantArrayType.Scalar,
      value: [Math.floor(n / 2 ** 32), n >>> 0],
    });
  const openCountOf = (name: string) => [...handles.values()].filter((h) => h.file === name).length;
  const refreshNode = (name: string) => {
    const n = nodes.get(name);
    if (!n) return;
    n.size.setValueFromSource(uint64(textOf(name)?.length ?? 0));
    n.openCount.setValueFromSource(new Variant({ dataType: DataType.UInt16, value: openCountOf(name) }));
  };
  const bad = (statusCode: StatusCode) => ({ statusCode });

  for (const file of host.files()) {
    const obj = fileType.instantiate({
      componentOf: program,
      browseName: file.name,
      nodeId: `s=Program.${file.name}`,
      optionals: ['MimeType', 'MaxByteStringLength'],
    }) as UAObject;
    const prop = (name: string): UAVariable => {
      const p = obj.getPropertyByName(name);
      if (!p) throw new Error(`FileType property ${name} missing`);
      p.minimumSamplingInterval = 0;
      return p;
    };
    const size = prop('Size');
    const openCount = prop('OpenCount');
    prop('Writable').setValueFromSource(new Variant({ dataType: DataType.Boolean, value: true }));
    prop('UserWritable').setValueFromSource(new Variant({ dataType: DataType.Boolean, value: true }));
    prop('MimeType').setValueFromSource(new Variant({ dataType: DataType.String, value: 'text/plain' }));
    prop('MaxByteStringLength').setValueFromSource(
      new Variant({ dataType: DataType.UInt32, value: MAX_READ_CHUNK }),
    );
    nodes.set(file.name, { size, openCount });
    refreshNode(file.name);
    const method = (name: string): UAMethod => {
      const m = obj.getMethodByName(name);
      if (!m) throw new Error(`FileType method ${name} missing`);
      return m;
    };
    const handleOf = (args: Variant[], ctx: ISessionContext): Handle | undefined => {
      const h = handles.get(Number(args[0]?.value));
      return h && h.file === file.name && h.session === sessionOf(ctx) ? h : undefined;
    };

    method('Open').bindMethod(async (args: Variant[], ctx: ISessionContext) => {
      const mode = Number(args[0]?.value ?? 0);
      const writing = (mode & (FILE_MODE.Write | FILE_MODE.EraseExisting | FILE_MODE.Append)) !== 0;
      if (mode === 0 || mode > 15 || (mode & FILE_MODE.EraseExisting && !(mode & FILE_MODE.Write)))
        return bad(StatusCodes.BadInvalidArgument);
      if (writing && host.mayWrite && !host.mayWrite(ctx)) return bad(StatusCodes.BadUserAccessDenied);
      const open = [...handles.values()].filter((h) => h.file === file.name);
      // C.2.1: a file open for writing cannot be opened again, and vice versa
      if (open.some((h) => h.mode & FILE_MODE.Write) || (writing && open.length > 0))
        return bad(StatusCodes.BadInvalidState);
      const current = staged.get(file.name) ?? textOf(file.name) ?? Buffer.alloc(0);
      const data = mode & FILE_MODE.EraseExisting ? Buffer.alloc(0) : Buffer.from(current);
      const handle = nextHandle++;
      handles.set(handle, {
        file: file.name,
        mode,
        position: mode & FILE_MODE.Append ? data.length : 0,
        session: sessionOf(ctx),
        data,
      });
      refreshNode(file.name);
      return {
        statusCode: StatusCodes.Good,
        outputArguments: [new Variant({ dataType: DataType.UInt32, value: handle })],
      };
    });
    method('Close').bindMethod(async (args: Variant[], ctx: ISessionContext) => {
      const h = handleOf(args, ctx);
      if (!h) return bad(StatusCodes.BadInvalidArgument);
      handles.delete(Number(args[0]?.value));
      if (h.mode & FILE_MODE.Write) staged.set(file.name, h.data);
      refreshNode(file.name);
      return { statusCode: StatusCodes.Good };
    });
    method('Read').bindMethod(async (args: Variant[], ctx: ISessionContext) => {
      const h = handleOf(args, ctx);
      if (!h) return bad(StatusCodes.BadInvalidArgument);
      if (!(h.mode & FILE_MODE.Read)) return bad(StatusCodes.BadInvalidState);
      const length = Number(args[1]?.value ?? 0);
      if (length < 0) return bad(StatusCodes.BadInvalidArgument);
      const chunk = h.data.subarray(h.position, h.position + Math.min(length, MAX_READ_CHUNK));
      h.position += chunk.length;
      return {
        statusCode: StatusCodes.Good,
        outputArguments: [new Variant({ dataType: DataType.ByteString, value: Buffer.from(chunk) })],
      };
    });
    method('Write').bindMethod(async (args: Variant[], ctx: ISessionContext) => {
      const h = handleOf(args, ctx);
      if (!h) return bad(StatusCodes.BadInvalidArgument);
      if (!(h.mode & FILE_MODE.Write)) return bad(StatusCodes.BadInvalidState);
      const data = (args[1]?.value as Buffer | null) ?? Buffer.alloc(0);
      const end = h.position + data.length;
      if (end > MAX_PROGRAM_FILE) return bad(StatusCodes.BadOutOfRange);
      const grown = end > h.data.length ? Buffer.concat([h.data, Buffer.alloc(end - h.data.length)]) : h.data;
      data.copy(grown, h.position);
      h.data = grown;
      h.position = end;
      return { statusCode: StatusCodes.Good };
    });
    method('GetPosition').bindMethod(async (args: Variant[], ctx: ISessionContext) => {
      const h = handleOf(args, ctx);
      if (!h) return bad(StatusCodes.BadInvalidArgument);
      return { statusCode: StatusCodes.Good, outputArguments: [uint64(h.position)] };
    });
    method('SetPosition').bindMethod(async (args: Variant[], ctx: ISessionContext) => {
      const h = handleOf(args, ctx);
      if (!h) return bad(StatusCodes.BadInvalidArgument);
      const raw = args[1]?.value as [number, number] | number | undefined;
      const pos = Array.isArray(raw) ? raw[0] * 2 ** 32 + raw[1] : Number(raw ?? 0);
      // C.2.8: a position past the end moves to the end
      h.position = Math.min(pos, h.data.length);
      return { statusCode: StatusCodes.Good };
    });
  }

  const apply = ns.addMethod(program, {
    browseName: 'ApplyChange',
    nodeId: 's=Program.ApplyChange',
    inputArguments: [],
    outputArguments: [
      { name: 'Accepted', dataType: DataType.Boolean, description: 'true when the change runs' },
      { name: 'Detail', dataType: DataType.String, description: 'what was kept, or why it was refused' },
    ],
  });
  apply.bindMethod(async (_args: Variant[], ctx: ISessionContext) => {
    if (host.mayWrite && !host.mayWrite(ctx)) return bad(StatusCodes.BadUserAccessDenied);
    if (staged.size === 0) return bad(StatusCodes.BadInvalidState);
    const files = host.files().map((f) => {
      const s = staged.get(f.name);
      return s ? { name: f.name, text: s.toString('utf8') } : f;
    });
    staged.clear();
    const result = await host.apply(files);
    const detail = result.ok ? result.detail : result.reason;
    lastChange.setValueFromSource(
      new Variant({ dataType: DataType.String, value: `${result.ok ? 'applied' : 'refused'}: ${detail}` }),
    );
    for (const name of nodes.keys()) refreshNode(name);
    return {
      statusCode: StatusCodes.Good,
      outputArguments: [
        new Variant({ dataType: DataType.Boolean, value: result.ok }),
        new Variant({ dataType: DataType.String, value: detail }),
      ],
    };
  });

  return {
    refresh: () => {
      for (const name of nodes.keys()) refreshNode(name);
    },
  };
}
