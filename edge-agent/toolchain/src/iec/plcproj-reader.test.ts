import { describe, expect, it } from 'vitest';
import { parseLibraryResolution } from './plcproj-reader';

describe('.plcproj library references', () => {
  it('reads a resolution as TwinCAT writes it in both forms', () => {
    expect(parseLibraryResolution('Tc2_Standard, 3.3.3.0 (Beckhoff Automation GmbH)')).toEqual({
      name: 'Tc2_Standard',
      version: '3.3.3.0',
      vendor: 'Beckhoff Automation GmbH',
    });
    expect(parseLibraryResolution('Tc3_JsonXml,newest,Beckhoff Automation GmbH')).toEqual({
      name: 'Tc3_JsonXml',
      version: 'newest',
      vendor: 'Beckhoff Automation GmbH',
    });
    expect(parseLibraryResolution('Struckig')).toEqual({ name: 'Struckig' });
  });
});
