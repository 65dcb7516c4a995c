'use strict';
/**
 * How to reach the debug adapter, decided from the extension's settings alone
 * (no VS Code API here, so it can be tested with plain Node).
 */

const SERVER_HOST = '127.0.0.1';
const ADAPTER_MODULE_ARGS = ['-m', 'dap_server'];

/**
 * @typedef {{ kind: 'executable', pythonPath: (string|undefined) }} ExecutablePlan
 *   start the adapter with an interpreter: the configured one, or one found by interpreter.js when undefined
 * @typedef {{ kind: 'server', host: string, port: number }} ServerPlan
 */

/**
 * @param {{ pythonPath?: string, serverPort?: number }} settings  the `wasmtime-dap.*` settings
 * @returns {ExecutablePlan | ServerPlan}
 */
function planAdapter(settings) {
  const port = settings.serverPort ?? 0;
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new Error(`wasmtime-dap.serverPort must be an integer between 0 and 65535, got ${port}`);
  }
  if (port !== 0) {
    return { kind: 'server', host: SERVER_HOST, port };
  }
  const pythonPath = (settings.pythonPath ?? '').trim();
  return { kind: 'executable', pythonPath: pythonPath === '' ? undefined : pythonPath };
}

/** The command line that starts the adapter with `interpreter` (a candidate from interpreter.js). */
function adapterCommandLine(interpreter) {
  return { command: interpreter.command, args: [...interpreter.args, ...ADAPTER_MODULE_ARGS] };
}

module.exports = { adapterCommandLine, planAdapter, SERVER_HOST };
