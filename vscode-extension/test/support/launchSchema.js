'use strict';
/**
 * Builds the JSON schema VS Code derives from a contributed debugger for launch.json entries:
 * per request, the contributed attributes plus the `type`, `request` and `name` every entry has,
 * with no other properties allowed.
 */
function launchEntrySchema(debuggerContribution, request) {
  const attributes = debuggerContribution.configurationAttributes[request];
  return {
    type: 'object',
    required: ['type', 'request', 'name', ...(attributes.required ?? [])],
    additionalProperties: false,
    properties: {
      type: { const: debuggerContribution.type },
      request: { const: request },
      name: { type: 'string' },
      ...attributes.properties,
    },
  };
}

/**
 * Turns a configurationSnippets body into the configuration a user gets after accepting the
 * snippet: `^"..."` strings are inserted verbatim as JSON text, and snippet syntax is then applied.
 */
function expandSnippetBody(value) {
  if (Array.isArray(value)) {
    return value.map(expandSnippetBody);
  }
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, expandSnippetBody(item)]));
  }
  if (typeof value !== 'string') {
    return value;
  }
  if (value.startsWith('^')) {
    return JSON.parse(expandTabStops(value.slice(1)));
  }
  return expandTabStops(value);
}

/** Snippet syntax: `${N:default}` becomes its default and `\\$` a literal `$`. */
function expandTabStops(text) {
  return text.replace(/\\\$|\$\{\d+:([^}]*)\}/g, (match, fallback) => (match === '\\$' ? '$' : fallback));
}

module.exports = { launchEntrySchema, expandSnippetBody };
