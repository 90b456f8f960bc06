/**
 * Workaround for node-opcua 2.182.2 (server side): an OpenSecureChannel request it
 * refuses without being able to secure the refusal — e.g. a `Sign` channel asked of a
 * server that offers only `SignAndEncrypt` — is answered with a chunk typed `ERR` that
 * carries the request's asymmetric security header and an encoded ServiceFault. That is
 * not an ERR message: OPC UA Part 6 §7.1.2.5 defines it as the header (`ERRF`, size)
 * followed by Error (UInt32 status code) and Reason (String). open62541 reports it as
 * malformed; node-opcua's own client only sees the connection drop.
 *
 * We answer such a refusal with a well-formed ERR message (same status code, the
 * library's reason) and let node-opcua close the channel as it would. The library's
 * class keeps its transport in a private field, so we remember each channel's socket
 * when node-opcua hands it over (`init`). Remove this when node-opcua sends Part 6 ERR
 * messages itself (docs/plant-io.md, "Security").
 */
import type { Socket } from 'node:net';
import { ServerSecureChannelLayer } from 'node-opcua';

type ChannelMethods = {
  init(socket: Socket, callback: unknown): unknown;
  send_response(
    msgType: string,
    response: unknown,
    message: unknown,
    callback?: (err?: Error) => void,
  ): unknown;
};

const PATCHED = Symbol.for('plcfleet.opcuaRefusalWorkaround');
const sockets = new WeakMap<object, Socket>();

/** Part 6 §7.1.2.5: `ERR` `F`, MessageSize, Error (UInt32), Reason (String, ≤ 4096 bytes). */
function tcpErrorMessage(statusCode: number, reason: string): Buffer {
  const text = Buffer.from(reason, 'utf8').subarray(0, 4096);
  const out = Buffer.alloc(16 + text.length);
  out.write('ERRF', 0, 'latin1');
  out.writeUInt32LE(out.length, 4);
  out.writeUInt32LE(statusCode >>> 0, 8);
  out.writeInt32LE(text.length, 12);
  text.copy(out, 16);
  return out;
}

/** Installs the workaround once per process (node-opcua's class is shared by every server). */
export function installOpcuaRefusalWorkaround(): void {
  const proto = ServerSecureChannelLayer.prototype as unknown as ChannelMethods & { [PATCHED]?: true };
  if (proto[PATCHED]) return;
  proto[PATCHED] = true;
  const init = proto.init;
  proto.init = function (this: object, socket: Socket, callback: unknown) {
    sockets.set(this, socket);
    return init.call(this, socket, callback);
  };
  const send = proto.send_response;
  proto.send_response = function (this: object, msgType, response, message, callback) {
    const socket = sockets.get(this);
    const header = (
      response as {
        responseHeader?: { serviceResult?: { value: number; name: string }; stringTable?: string[] };
      }
    ).responseHeader;
    if (msgType !== 'ERR' || !socket || !header?.serviceResult)
      return send.call(this, msgType, response, message, callback);
    const status = header.serviceResult;
    const reason = (header.stringTable?.[0] ?? status.name).trim();
    socket.write(tcpErrorMessage(status.value, reason), () => callback?.());
    return undefined;
  };
}
