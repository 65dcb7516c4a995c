'use strict';
/**
 * How to reach the debug adapter, decided from the extension's settings alone
 * (no VS Code API here, so it can be tested with plain Node).
 */
const path = require('path');

const SERVER_HOST = '127.0.0.1';

/**
 * @typedef {{ kind: 'executable', command: string, args: string[], cwd: (string|undefined) }} ExecutablePlan
 * @typedef {{ kind: 'server', host: string, port: number }} ServerPlan
 */

/**
 * @param {{ pythonPath?: string, serverPort?: number }} settings  the `wasmtime-dap.*` settings
 * @param {string|undefined} workspaceRoot  folder that relative interpreter paths are resolved against
 * @returns {ExecutablePlan | ServerPlan}
 */
function planAdapter(settings, workspaceRoot) {
  const port = settings.serverPort ?? 0;
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new Error(`wasmtime-dap.serverPort must be an integer between 0 and 65535, got ${port}`);
  }
  if (port !== 0) {
    return { kind: 'server', host: SERVER_HOST, port };
  }
  const pythonPath = (settings.pythonPath ?? '').trim() || 'python3';
  return {
    kind: 'executable',
    command: resolveInterpreter(pythonPath, workspaceRoot),
    args: ['-m', 'dap_server'],
    cwd: workspaceRoot,
  };
}

/** A bare name (`python3`) is looked up on PATH; a relative path (`.venv/bin/python`) is taken from the workspace. */
function resolveInterpreter(pythonPath, workspaceRoot) {
  const isBareName = !pythonPath.includes('/') && !pythonPath.includes('\\');
  if (isBareName || path.isAbsolute(pythonPath) || workspaceRoot === undefined) {
    return pythonPath;
  }
  return path.join(workspaceRoot, pythonPath);
}

module.exports = { planAdapter, SERVER_HOST };
