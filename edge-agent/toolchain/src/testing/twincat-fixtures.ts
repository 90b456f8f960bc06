/** TwinCAT files for tests: a task object, a program object, a `.plcproj` build. */

/** A task file as TwinCAT 3 saves it (cycle time in microseconds). */
export const taskFile = (name: string, calls: string[], cycleUs = 10000, priority = 20): string =>
  `<?xml version="1.0" encoding="utf-8"?>
<TcPlcObject Version="1.1.0.1">
  <Task Name="${name}" Id="{b74c283b-20ae-4d1c-938d-9455e25756dd}">
    <!--CycleTime in micro seconds.-->
    <CycleTime>${cycleUs}</CycleTime>
    <Priority>${priority}</Priority>
${calls.map((c) => `    <PouCall>\n      <Name>${c}</Name>\n    </PouCall>`).join('\n')}
    <TaskFBGuid>{1dcffdf1-cc4e-4576-811d-e9e243426384}</TaskFBGuid>
  </Task>
</TcPlcObject>
`;

/** A TwinCAT program object with one output `n` and the given body. */
export const programFile = (name: string, body: string): string =>
  `<?xml version="1.0" encoding="utf-8"?>
<TcPlcObject Version="1.1.0.1">
  <POU Name="${name}" Id="{00000000-0000-0000-0000-000000000001}">
    <Declaration><![CDATA[PROGRAM ${name}
VAR_OUTPUT
  n : INT;
END_VAR]]></Declaration>
    <Implementation><ST><![CDATA[${body}]]></ST></Implementation>
  </POU>
</TcPlcObject>
`;

/**
 * A TwinCAT `.plcproj` whose build compiles the given files (`Include` as written), referencing
 * the given libraries by placeholder (`Tc2_Standard`, resolved to any version).
 */
export const plcProjFile = (includes: string[], placeholders: string[] = []): string => {
  const compiles = includes.map(
    (i) => `    <Compile Include="${i}">\n      <SubType>Code</SubType>\n    </Compile>`,
  );
  const references = placeholders.map(
    (p) =>
      `    <PlaceholderReference Include="${p}">\n      <DefaultResolution>${p}, * (Beckhoff Automation GmbH)</DefaultResolution>\n      <Namespace>${p}</Namespace>\n    </PlaceholderReference>`,
  );
  const group = (items: string[]) =>
    items.length ? `  <ItemGroup>\n${items.join('\n')}\n  </ItemGroup>\n` : '';
  return `<?xml version="1.0" encoding="utf-8"?>
<Project ToolsVersion="4.0" xmlns="http://schemas.microsoft.com/developer/msbuild/2003">
${group(compiles)}${group(references)}</Project>
`;
};
