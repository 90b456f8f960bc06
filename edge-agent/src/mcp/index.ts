/**
 * The verifiers as an MCP server (`plcfleet-agent mcp`): compile, quick and
 * full safety, simulate, scenarios, equivalence, search, diff — and edit when allowed.
 */
export { createPlcfleetMcpServer, serveMcpOverStdio } from './mcp-server';
