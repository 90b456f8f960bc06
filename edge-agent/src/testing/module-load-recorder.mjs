/**
 * `node --import <this file>`: records the URL of every module the process
 * resolves, one per line, in the file named by PLCFLEET_MODULE_LOG. Test helper
 * for the CLI's start-up budget (docs/cli-startup.md): it shows which libraries
 * a command loads. Register it after any other loader (tsx) so it sees final URLs.
 */
import { register } from 'node:module';

register('./module-load-hooks.mjs', import.meta.url, { data: { file: process.env.PLCFLEET_MODULE_LOG } });
