/**
 * For tests: a TCP relay to a served PLC that can go silent like a pulled cable — the
 * sockets stay open and nothing passes either way; what was sent meanwhile is held and
 * delivered on `resume` (the late answers).
 */
import { connect, createServer, type Socket } from 'node:net';

export async function stallingRelay(port: number) {
  let held: (() => void)[] | null = null;
  let answers = 0;
  const sockets: Socket[] = [];
  const pipe = (from: Socket, to: Socket, counted: boolean) =>
    from.on('data', (chunk) => {
      if (held) return held.push(() => to.write(chunk));
      if (counted) answers++;
      to.write(chunk);
    });
  const server = createServer((client) => {
    const upstream = connect(port, '127.0.0.1');
    sockets.push(client, upstream);
    pipe(client, upstream, false);
    pipe(upstream, client, true);
    for (const s of [client, upstream])
      s.on('error', () => {}).on('close', () => {
        client.destroy();
        upstream.destroy();
      });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    /** HOST:PORT to give the shadow. */
    address: `127.0.0.1:${(server.address() as { port: number }).port}`,
    port: (server.address() as { port: number }).port,
    /** Chunks passed from the PLC so far (about one a Modbus answer). */
    answers: () => answers,
    stall: () => {
      held = [];
    },
    resume: () => {
      const h = held ?? [];
      held = null;
      for (const f of h) f();
    },
    close: async () => {
      for (const s of sockets) s.destroy();
      await new Promise((r) => server.close(r));
    },
  };
}
