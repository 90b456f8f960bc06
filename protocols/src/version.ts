/** Document API version carried by every plcfleet file (`apiVersion: plcfleet/v1`). */
export const API_VERSION = 'plcfleet/v1' as const;

/**
 * Version of the wire protocol between control plane and edge agent. An agent
 * says which versions it speaks in `hello`; the control plane picks the highest
 * one both speak or rejects the agent with `PROTOCOL_VERSION`.
 */
export const PROTOCOL_VERSION = 1 as const;

/** Every protocol version this build of protocols understands. */
export const SUPPORTED_PROTOCOL_VERSIONS: readonly number[] = [1];
