import { describe, expect, it } from 'vitest';
import type { SourceFormat } from './ast';
import { checkProject } from './checker';
import { parseSource } from './parser';

// OpenPLC's (MATIEC's) PID, RAMP, DERIVATIVE, INTEGRAL and HYSTERESIS are shipped as behaviour
// models (edge-agent/toolchain/models/openplc); vendor libraries declare blocks of the same
// names. ST2017 for one of them in plain ST or PLCopen says where the models are (request
// h3-lead-01), and still names the vendor library.

const SOURCE = `PROGRAM P
VAR pid1 : PID; r : RAMP; i : INTEGRAL; b : BLINK; x : REAL; END_VAR
pid1(PV := x);
END_PROGRAM
`;

function messages(format: SourceFormat | undefined): string[] {
  const { unit, diagnostics } = parseSource(SOURCE, 'p.st');
  expect(diagnostics).toEqual([]);
  if (format) unit.format = format;
  return checkProject([unit]).diagnostics.map((d) => `${d.code} ${d.message}`);
}

describe("ST2017 for OpenPLC's control blocks", () => {
  it('says where the behaviour models are in the formats OpenPLC and Beremiz compile', () => {
    const hint =
      "or OpenPLC's (MATIEC's) control blocks (OpenPLC and Beremiz code: pass --models edge-agent/toolchain/models/openplc)";
    expect(messages(undefined)).toEqual([
      `ST2017 'PID' comes from vendor library CODESYS Util, ${hint}, which this project does not contain (declare it with --externals)`,
      `ST2017 'RAMP' comes from vendor library Beremiz Additional Function Blocks, ${hint}, which this project does not contain (declare it with --externals)`,
      `ST2017 'INTEGRAL' comes from vendor library Beremiz Additional Function Blocks, ${hint}, which this project does not contain (declare it with --externals)`,
      // not one of MATIEC's blocks: the library alone, as before
      "ST2017 'BLINK' comes from vendor library CODESYS Util, which this project does not contain (declare it with --externals)",
    ]);
  });

  it('names the vendor library alone in TwinCAT code', () => {
    expect(messages('twincat')).toEqual([
      "ST2017 'PID' comes from vendor library CODESYS Util, which this project does not contain (declare it with --externals)",
      "ST2017 'RAMP' comes from vendor library Beremiz Additional Function Blocks, which this project does not contain (declare it with --externals)",
      "ST2017 'INTEGRAL' comes from vendor library Beremiz Additional Function Blocks, which this project does not contain (declare it with --externals)",
      "ST2017 'BLINK' comes from vendor library CODESYS Util, which this project does not contain (declare it with --externals)",
    ]);
  });
});
