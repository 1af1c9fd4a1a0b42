import type { DesiredResource, JsonObject, JsonValue, RedactionMap, SourceLocation } from '@stratum/core';
import type { Document } from './ast';

/** A `host "<name>" { ... }` block, evaluated. Hosts are literal-only. */
export interface HostDecl {
  name: string;
  /** Every attribute of the body (nested blocks folded in), as JSON. */
  attrs: JsonObject;
  /** The file the block was declared in, when it came from a file. */
  file?: string | undefined;
  /** Where the block starts. */
  location: SourceLocation;
}

/** Where a secret's value comes from. */
export type SecretSource =
  | { kind: 'env'; name: string }
  /** `path` is the path that was read: `~` expanded and made absolute. */
  | { kind: 'file'; path: string };

/**
 * A `secret "<name>" { ... }` block. Deliberately holds no plaintext: the
 * value only reaches resource attrs (through references) and the
 * {@link Extracted.redaction} map.
 */
export interface SecretDecl {
  name: string;
  source: SecretSource;
  /** `false` opts the value out of redaction. Default `true`. */
  sensitive: boolean;
  /**
   * `false` only with {@link LoadOptions.allowUnresolvedSecrets}, when the
   * source was missing and references got the `<unresolved-secret:NAME>` placeholder.
   */
  resolved: boolean;
  file?: string | undefined;
}

/**
 * A `provider "<name>" { ... }` block, evaluated with the host and secret
 * scope. It is what `@stratum/core`'s engine takes as provider settings.
 */
export interface ProviderDecl {
  name: string;
  attrs: JsonObject;
  file?: string | undefined;
  /** Where the block and each of its attributes were written. */
  source?: { block: SourceLocation; attrs: Record<string, SourceLocation> } | undefined;
}

/** A `namespace "<name>" { ... }` block of a manifest. */
export interface NamespaceDecl {
  name: string;
  /** The namespace's config files, absolute (resolved against the manifest's directory). */
  configs: string[];
  /** An explicit state file, absolute; absent when the body sets none. */
  state?: string | undefined;
  file?: string | undefined;
}

/** The result of loading one or more `.strat` files. */
export interface Extracted {
  hosts: HostDecl[];
  secrets: SecretDecl[];
  providers: ProviderDecl[];
  /**
   * Desired resources in document order, preceded by the implicit per-host
   * `_stratum_*` resources (three per host, in host order).
   */
  resources: DesiredResource[];
  namespaces: NamespaceDecl[];
  /** Every `variable` block with its value, in declaration order. */
  variables: VariableDecl[];
  /** Every `group` block, in declaration order. */
  groups: GroupDecl[];
  /** Plaintexts to redact: sensitive, resolved secrets of 8+ characters. */
  redaction: RedactionMap;
  /** Non-fatal findings, one line each (e.g. `[secrets] warning: ...`). */
  warnings: string[];
  /** The config files that were loaded, as given (empty for `loadStr` without `file`). */
  files: string[];
}

/** Options of `loadStr`, `loadFile` and `loadFiles`. */
export interface LoadOptions {
  /**
   * Turn a missing secret source (unset env var, unreadable file) into the
   * placeholder `<unresolved-secret:NAME>` instead of an error. For reviewing a
   * config without its secrets at hand; apply refuses such plans.
   */
  allowUnresolvedSecrets?: boolean | undefined;
  /** The environment `from_env` reads, and where `HOME` comes from. Default `process.env`. */
  env?: Record<string, string | undefined> | undefined;
  /** What `~` in `from_file` expands to. Default: `HOME`, then `USERPROFILE`, of {@link env}. */
  homeDir?: string | undefined;
  /** `loadStr` only: the file name used in spans and messages. */
  file?: string | undefined;
  /**
   * `loadStr` only: the directory relative `content_file`, `source_dir`,
   * `from_file` and namespace paths resolve against. Without it, relative
   * local paths are errors (namespace paths then resolve against the working directory).
   */
  baseDir?: string | undefined;
  /**
   * Variable values from a program, already typed (a number is a number). They
   * win over every other source. A name no `variable` block declares is
   * `UndeclaredVariable`.
   */
  variables?: Record<string, JsonValue> | undefined;
  /**
   * `name=value` strings as given to `--var`, later ones winning. The text
   * after `=` is read by the variable's type: as is for `string` (and for an
   * untyped variable), as a number, `true`/`false`, or a `.strat` list or map.
   */
  varArgs?: readonly string[] | undefined;
  /** Variable files (`name = value` lines in `.strat` syntax), later files winning. */
  varFiles?: readonly string[] | undefined;
  /**
   * Accept values for variables no block declares instead of failing with
   * `UndeclaredVariable`: for loading part of a config (a manifest alone),
   * where the rest declares them.
   */
  ignoreUndeclaredVariables?: boolean | undefined;
  /**
   * Where {@link loadFiles} and {@link loadSources} look up a text's syntax
   * tree before parsing it, and keep the tree of one they parsed: for a
   * program that loads the same files run after run (the CLI keeps them on
   * disk). Only texts that parsed are kept; a syntax error is found again.
   */
  parsed?: ParsedDocuments | undefined;
}

/** A store of syntax trees by file name and text (see {@link LoadOptions.parsed}). */
export interface ParsedDocuments {
  /** What `source`, named `file`, parses to, when known: never the tree of another text or name. */
  get(file: string, source: string): Document | undefined;
  /** `document` is what `source`, named `file`, parsed to. */
  set(file: string, source: string, document: Document): void;
}

/** What a `variable` block's `type` may say. Without `type` any value is accepted. */
export type VariableType = 'string' | 'number' | 'bool' | 'list' | 'map';

/** Where a variable's value came from, highest precedence first. */
export type VariableOrigin = 'option' | 'cli' | 'var-file' | 'env' | 'default';

/** A `variable "<name>" { ... }` block with the value it got. Variables are not secrets: use a `secret` block for those. */
export interface VariableDecl {
  name: string;
  /** Absent when the block declares no `type`. */
  type?: VariableType | undefined;
  description?: string | undefined;
  /** The declared default; absent for a required variable. */
  default?: JsonValue | undefined;
  /** The value `var.<name>` reads. */
  value: JsonValue;
  origin: VariableOrigin;
  file?: string | undefined;
  location: SourceLocation;
}

/** A `group "<name>" { hosts = [host.a, host.b] }` block. */
export interface GroupDecl {
  name: string;
  /** Host block names, in the order written. */
  hosts: string[];
  description?: string | undefined;
  file?: string | undefined;
  location: SourceLocation;
}
