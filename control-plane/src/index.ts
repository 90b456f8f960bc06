/** @plcfleet/control-plane */
export const PACKAGE = 'control-plane';
