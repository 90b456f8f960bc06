/**
 * For tests: the fan the watch and shadow tests share — `Fan := Temp > limit` (the approved
 * limit 60, the live PLC's 70 where a test wants a divergence) and its tag map, Temp a
 * holding register the field writes, Fan a discrete input.
 */
import { TagMap } from '@plcfleet/protocols';

export const fanProgram = (limit: number) =>
  `PROGRAM Main\nVAR_INPUT Temp : INT; END_VAR\nVAR_OUTPUT Fan : BOOL; END_VAR\nFan := Temp > ${limit};\nEND_PROGRAM\n`;

export const FAN_TAGS = TagMap.parse({
  apiVersion: 'plcfleet/v1',
  kind: 'TagMap',
  tags: [
    {
      name: 'Temp',
      modbus: { table: 'holding', address: 0, type: 'INT' },
      opcua: { nodeId: 'ns=1;s=Main.Temp', browseName: 'Temp' },
      access: 'readwrite',
    },
    {
      name: 'Fan',
      modbus: { table: 'discrete', address: 0, type: 'BOOL' },
      opcua: { nodeId: 'ns=1;s=Main.Fan', browseName: 'Fan' },
    },
  ],
});
