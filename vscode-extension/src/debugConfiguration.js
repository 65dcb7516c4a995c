'use strict';
/**
 * Completion and validation of `wasmtime` debug configurations before a session starts
 * (pure logic; the VS Code glue is in extension.js).
 */

const DEBUG_TYPE = 'wasmtime';

/** The configuration used when F5 is pressed without a launch.json. */
function defaultLaunchConfiguration(program) {
  return {
    type: DEBUG_TYPE,
    request: 'launch',
    name: 'Debug WebAssembly program',
    program,
    args: [],
    cwd: '${workspaceFolder}',
    stopOnEntry: false,
  };
}

/** True for the empty configuration VS Code passes when there is no launch.json. */
function isEmptyConfiguration(config) {
  return !config.type && !config.request && !config.name;
}

/**
 * Returns a message describing what is wrong with `config`, or undefined when it can be started.
 * The adapter checks everything again; this catches the common mistakes before a process starts.
 */
function validateConfiguration(config) {
  if (config.request === 'launch') {
    if (typeof config.program !== 'string' || config.program.trim() === '') {
      return 'The "program" attribute must name the .wasm file to debug.';
    }
    for (const key of ['args', 'dirs', 'wasmtimeArgs']) {
      if (config[key] !== undefined && !isStringArray(config[key])) {
        return `The "${key}" attribute must be an array of strings.`;
      }
    }
    return undefined;
  }
  if (config.request === 'attach') {
    if (!Number.isInteger(config.port) || config.port < 1 || config.port > 65535) {
      return 'The "port" attribute must be the port Wasmtime listens on (wasmtime run -g 127.0.0.1:PORT).';
    }
    return undefined;
  }
  return `Unknown request "${config.request}": use "launch" or "attach".`;
}

function isStringArray(value) {
  return Array.isArray(value) && value.every((item) => typeof item === 'string');
}

module.exports = { DEBUG_TYPE, defaultLaunchConfiguration, isEmptyConfiguration, validateConfiguration };
