// First, before any dependency runs: a clear refusal of a Node.js that is too old.
import '@stratum/core/node-version';

export type {
  Attribute,
  Block,
  BodyItem,
  BoolLiteral,
  Comment,
  Document,
  Expression,
  Label,
  ListExpression,
  MapEntry,
  MapExpression,
  NumberLiteral,
  Position,
  Reference,
  Span,
  StringLiteral,
  TemplateLiteral,
  TemplatePart,
} from './ast';
export type { ConfigErrorCode, ConfigErrorOptions } from './errors';
export { ConfigError } from './errors';
export type {
  Extracted,
  GroupDecl,
  HostDecl,
  LoadOptions,
  NamespaceDecl,
  ParsedDocuments,
  ProviderDecl,
  SecretDecl,
  SecretSource,
  VariableDecl,
  VariableOrigin,
  VariableType,
} from './extracted';
export { format } from './format';
export type { ConfigSource } from './load';
export { loadFile, loadFiles, loadSources, loadStr } from './load';
export { parse, parseAttributes } from './parse';
