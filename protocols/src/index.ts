/** @plcfleet/protocols */
export const PACKAGE = 'protocols';
