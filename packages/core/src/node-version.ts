/**
 * Refuses a Node.js too old for stratum's dependencies with a message that
 * says so, instead of a `TypeError: Object.groupBy is not a function` from
 * deep inside one of them. Every `@stratum/*` library imports this first, so
 * it runs before any dependency's code does. (The CLI's bin checks on its own,
 * before it imports anything.)
 */
export const MIN_NODE_MAJOR = 22;

const major = Number(process.versions.node.split('.')[0]);
if (major < MIN_NODE_MAJOR) {
  const error = new Error(
    `@stratum/* needs Node.js ${MIN_NODE_MAJOR} or newer; this is Node.js ${process.versions.node}. ` +
      'Install a current Node.js (for example `npm install -g node@24`) and run again.',
  );
  error.name = 'UnsupportedNode';
  throw error;
}
