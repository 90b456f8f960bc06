/** @plcfleet/edge-agent */
export const PACKAGE = 'edge-agent';
