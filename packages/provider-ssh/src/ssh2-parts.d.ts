// ssh2's own files, which ssh2-module.ts loads instead of the package index;
// they have no declarations of their own (ssh2-module.ts checks their shape).
declare module 'ssh2/lib/client.js' {
  const client: unknown;
  export default client;
}
declare module 'ssh2/lib/protocol/keyParser.js' {
  const keyParser: unknown;
  export default keyParser;
}
