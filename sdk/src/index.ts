/** @plcfleet/sdk */
export const PACKAGE = 'sdk';
