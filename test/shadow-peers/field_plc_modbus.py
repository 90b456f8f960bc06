"""A PLC that is not ours: pymodbus's Modbus TCP server (python3-pymodbus, Debian) whose
registers a scan loop in this script drives the way a PLC's program and its field would.

Every scan (--cycle-ms): the field sets the inputs, then the program computes the outputs
from them, as the ST in field-plc.st does:

  Count  := Count + 1                    (holding 10, UINT: a per-scan counter; state)
  Motor  := (StartPb OR Motor) AND NOT StopPb        (coil 0)
  Warm   := TON(IN := Motor, PT := 300 ms).Q         (coil 1: a timer, on wall-clock time)
  Alarm  := Level > 800                              (coil 2)
  Echo   := NOT Toggle                               (coil 3: follows an input that toggles)
  Speed  := Level / 2 when Motor, else 0             (holding 0, INT)
  Ratio  := Level / 3.0                              (holding 2-3, REAL, big word order)

Inputs: StartPb, StopPb, Toggle (discrete 0, 1, 2), Level (input register 0).
The field: StartPb pressed 250..500 ms, StopPb 1500..1750 ms, StartPb again from 2000 ms,
Toggle flips every --toggle-scans scans, Level +100 every 250 ms (0..900, then 0 again).
--quiet: inputs never change (Level 100, buttons released, Toggle FALSE).
--slow-ms N: every answer sent N ms after the request was read (values of that moment).

The field's clock starts when the first client connects.
Prints "PORT <n>" on stdout once it listens (--port 0: any free port). With --log FILE,
one JSON line per scan in which an input changed: {"scan","t" (epoch ms),"level",...}.
"""

import argparse
import asyncio
import json
import struct
import sys
import time

from pymodbus.datastore import (
    ModbusSequentialDataBlock,
    ModbusServerContext,
    ModbusSlaveContext,
)
from pymodbus.server.async_io import ModbusConnectedRequestHandler, ModbusTcpServer

parser = argparse.ArgumentParser()
parser.add_argument("--port", type=int, default=0)
parser.add_argument("--cycle-ms", type=float, default=10.0)
parser.add_argument("--toggle-scans", type=int, default=7)
parser.add_argument("--level-ms", type=float, default=250.0)
parser.add_argument("--quiet", action="store_true")
parser.add_argument("--slow-ms", type=float, default=0.0)
parser.add_argument("--log", default=None)
parser.add_argument("--run-before-client", action="store_true")  # the field runs from launch
args = parser.parse_args()

# zero_mode: Modbus address n is index n of each block
store = ModbusSlaveContext(
    di=ModbusSequentialDataBlock(0, [False] * 16),
    co=ModbusSequentialDataBlock(0, [False] * 16),
    ir=ModbusSequentialDataBlock(0, [0] * 16),
    hr=ModbusSequentialDataBlock(0, [0] * 16),
    zero_mode=True,
)
context = ModbusServerContext(slaves={1: store}, single=False)


# the field starts at the first client's connection (a shadow sees it all), or at launch
FIELD = {"start": time.monotonic() if args.run_before_client else None}


class FieldHandler(ModbusConnectedRequestHandler):
    """Starts the field's clock when the first client connects."""

    def connection_made(self, transport):
        super().connection_made(transport)
        if FIELD["start"] is None:
            FIELD["start"] = time.monotonic()


class SlowHandler(FieldHandler):
    """Answers --slow-ms after the request was executed (a slow gateway or a busy CPU)."""

    def _send_(self, data):
        loop = asyncio.get_running_loop()
        loop.call_later(args.slow_ms / 1000.0, super()._send_, data)


log = open(args.log, "a", buffering=1) if args.log else None


async def scan_loop() -> None:
    cycle = args.cycle_ms / 1000.0
    start = time.monotonic()
    scan = 0
    motor = False
    ton_since = None  # when the TON's IN rose (None: IN false)
    count = 0
    prev = None
    while True:
        scan += 1
        now = time.monotonic()
        ms = (now - FIELD["start"]) * 1000.0 if FIELD["start"] is not None else -1.0
        # the field
        if args.quiet or ms < 0:
            start_pb, stop_pb, toggle, level = False, False, False, 100
        else:
            start_pb = 250 <= ms < 500 or ms >= 2000
            stop_pb = 1500 <= ms < 1750
            toggle = (scan // args.toggle_scans) % 2 == 1
            level = (int(ms // args.level_ms) * 100) % 1000
        store.setValues(2, 0, [start_pb, stop_pb, toggle])
        store.setValues(4, 0, [level])
        # the program
        count = (count + 1) & 0xFFFF
        motor = (start_pb or motor) and not stop_pb
        if motor:
            ton_since = now if ton_since is None else ton_since
        else:
            ton_since = None
        warm = ton_since is not None and now - ton_since >= 0.3
        alarm = level > 800
        echo = not toggle
        speed = level // 2 if motor else 0
        hi, lo = struct.unpack(">HH", struct.pack(">f", level / 3.0))
        store.setValues(1, 0, [motor, warm, alarm, echo])
        store.setValues(3, 0, [speed, 0, hi, lo])
        store.setValues(3, 10, [count])
        inputs = (start_pb, stop_pb, level)
        if log and inputs != prev:
            log.write(
                json.dumps(
                    {
                        "scan": scan,
                        "t": time.time() * 1000.0,
                        "level": level,
                        "startPb": start_pb,
                        "stopPb": stop_pb,
                        "motor": motor,
                        "alarm": alarm,
                    }
                )
                + "\n"
            )
            prev = inputs
        # the next scan on the cycle's grid, as a cyclic task does (late scans do not pile up)
        nxt = start + scan * cycle
        await asyncio.sleep(max(0.0, nxt - time.monotonic()))


async def main() -> None:
    server = ModbusTcpServer(
        context,
        address=("127.0.0.1", args.port),
        handler=SlowHandler if args.slow_ms > 0 else FieldHandler,
        allow_reuse_address=True,
    )
    task = asyncio.create_task(server.serve_forever())
    await server.serving
    port = server.server.sockets[0].getsockname()[1]
    print(f"PORT {port}", flush=True)
    await asyncio.gather(task, scan_loop())


try:
    asyncio.run(main())
except KeyboardInterrupt:
    sys.exit(0)
