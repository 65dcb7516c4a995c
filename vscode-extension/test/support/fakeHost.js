'use strict';
/** A machine described by its facts, for the interpreter search (see src/interpreter.js's Host). */

/**
 * @param {object} facts
 * @param {string} [facts.platform]
 * @param {Record<string, string>} [facts.env]
 * @param {string[]} [facts.files]  paths that exist
 * @param {string[]} [facts.withAdapter]  command lines (`command args...`) that can import dap_server
 */
function fakeHost({ platform = 'linux', env = {}, files = [], withAdapter = [] } = {}) {
  const probed = [];
  return {
    platform,
    env,
    probed,
    async isFile(file) {
      return files.includes(file);
    },
    async probe(command, args) {
      const commandLine = [command, ...args].join(' ');
      probed.push(commandLine);
      if (withAdapter.includes(commandLine)) {
        return { ok: true };
      }
      const exists = files.includes(command) || !/[\\/]/.test(command);
      return { ok: false, reason: exists ? 'cannot import dap_server' : 'not found' };
    },
  };
}

module.exports = { fakeHost };
