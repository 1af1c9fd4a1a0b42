import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import { readFileSync, statSync } from 'node:fs';
import { appendFile, mkdir, readFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { HostKeyChangedError, SshError } from './errors';

/** One key line of a known_hosts file. */
export interface KnownHostEntry {
  file: string;
  /** 1-based. */
  line: number;
  marker: 'cert-authority' | 'revoked' | undefined;
  /** The host field: a comma-separated pattern list, or one `|1|salt|hash` hashed name. */
  hosts: string;
  keyType: string;
  /** The decoded key blob (what the server sends during key exchange). */
  key: Buffer;
}

/**
 * The name ssh looks up in known_hosts: the bare host on port 22, `[host]:port`
 * elsewhere.
 */
export function knownHostsName(host: string, port: number): string {
  return port === 22 ? host : `[${host}]:${port}`;
}

/** OpenSSH's fingerprint of a key blob: `SHA256:` and unpadded base64 of its SHA-256. */
export function fingerprint(key: Buffer): string {
  return `SHA256:${createHash('sha256').update(key).digest('base64').replace(/=+$/, '')}`;
}

/** The key type named inside a key blob (its first ssh string), e.g. `ssh-ed25519`. */
export function keyTypeOf(key: Buffer): string {
  if (key.length < 4) return 'unknown';
  const len = key.readUInt32BE(0);
  return key.subarray(4, 4 + len).toString('latin1');
}

/** Parses known_hosts text. Comments, blank and malformed lines are skipped, as ssh does. */
export function parseKnownHosts(text: string, file: string): KnownHostEntry[] {
  const entries: KnownHostEntry[] = [];
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const fields = lines[i]!.trim().split(/\s+/);
    if (fields[0] === undefined || fields[0] === '' || fields[0].startsWith('#')) continue;
    let marker: KnownHostEntry['marker'];
    if (fields[0] === '@cert-authority' || fields[0] === '@revoked') {
      marker = fields[0] === '@revoked' ? 'revoked' : 'cert-authority';
      fields.shift();
    }
    const [hosts, keyType, base64] = fields;
    if (hosts === undefined || keyType === undefined || base64 === undefined) continue;
    const key = Buffer.from(base64, 'base64');
    if (key.length === 0 || keyTypeOf(key) !== keyType) continue;
    entries.push({ file, line: i + 1, marker, hosts, keyType, key });
  }
  return entries;
}

/** Compiled glob patterns: a pattern of a known_hosts line is tested against every name looked up. */
const globs = new Map<string, RegExp>();
/** Past this many, the compiled patterns are dropped and compiled again as needed. */
const GLOB_CACHE_LIMIT = 4096;

/** Glob match with `*` and `?`, case-insensitive, as ssh's match_pattern. */
function globMatch(pattern: string, name: string): boolean {
  let compiled = globs.get(pattern);
  if (!compiled) {
    const re = pattern
      .replace(/[.+^${}()|[\]\\]/g, '\\$&')
      .replace(/\*/g, '.*')
      .replace(/\?/g, '.');
    compiled = new RegExp(`^${re}$`, 'i');
    if (globs.size >= GLOB_CACHE_LIMIT) globs.clear();
    globs.set(pattern, compiled);
  }
  return compiled.test(name);
}

/**
 * True when a known_hosts host field names `name`: a hashed `|1|salt|hash`
 * (HMAC-SHA1 of the name keyed with the salt), or a comma-separated pattern
 * list where any negated (`!`) match vetoes the line.
 */
export function hostFieldMatches(hosts: string, name: string): boolean {
  if (hosts.startsWith('|1|')) {
    const [, , salt, hash] = hosts.split('|');
    if (salt === undefined || hash === undefined) return false;
    const expected = Buffer.from(hash, 'base64');
    const actual = createHmac('sha1', Buffer.from(salt, 'base64')).update(name).digest();
    return expected.length === actual.length && timingSafeEqual(expected, actual);
  }
  let matched = false;
  for (const pattern of hosts.split(',')) {
    if (pattern.startsWith('!')) {
      if (globMatch(pattern.slice(1), name)) return false;
    } else if (globMatch(pattern, name)) {
      matched = true;
    }
  }
  return matched;
}

/**
 * The entries of one known_hosts file, indexed for lookups by name.
 *
 * A fleet's known_hosts holds a line per host, and every connection looks its
 * host up (the key types to ask for, then the key it was shown): scanning
 * every line with a glob per pattern made connecting to N hosts cost N² glob
 * matches (≈ 110 ms of client CPU for 200 loopback hosts). Lines that name
 * hosts plainly (`web1,10.0.0.5`, `[db]:2222`) are found through a map; only
 * lines with wildcards, negations or hashed names (`|1|…`, which can only be
 * tested by hashing the name with each line's salt, as ssh does) are scanned.
 * Results keep the file's line order, and each name's result is kept.
 */
export class KnownHostsIndex {
  readonly entries: readonly KnownHostEntry[];
  /** Lowercased plain name → the positions of the lines naming it, ascending. */
  readonly #plain = new Map<string, number[]>();
  /** Positions of the lines that must be tested against each name, ascending. */
  readonly #scanned: number[] = [];
  readonly #found = new Map<string, readonly KnownHostEntry[]>();

  constructor(entries: readonly KnownHostEntry[]) {
    this.entries = entries;
    entries.forEach((entry, position) => {
      if (entry.hosts.startsWith('|') || /[*?!]/.test(entry.hosts)) {
        this.#scanned.push(position);
        return;
      }
      for (const name of new Set(entry.hosts.toLowerCase().split(','))) {
        if (name === '') continue;
        const positions = this.#plain.get(name);
        if (positions) positions.push(position);
        else this.#plain.set(name, [position]);
      }
    });
  }

  /** The entries whose host field names `name`, in line order. */
  lookup(name: string): readonly KnownHostEntry[] {
    const known = this.#found.get(name);
    if (known) return known;
    const positions = [
      ...(this.#plain.get(name.toLowerCase()) ?? []),
      ...this.#scanned.filter((position) => hostFieldMatches(this.entries[position]!.hosts, name)),
    ].sort((a, b) => a - b);
    const found = positions.map((position) => this.entries[position]!);
    this.#found.set(name, found);
    return found;
  }
}

export type HostKeyVerdict =
  | { status: 'match' }
  /** No key of any type is known for the name: accept-new may record it. */
  | { status: 'new' }
  /** A different key is known: `entry` is the one it contradicts. */
  | { status: 'changed'; entry: KnownHostEntry }
  | { status: 'revoked'; entry: KnownHostEntry };

/**
 * Decides what a presented host key means against known_hosts entries.
 *
 * Stricter than OpenSSH in one case: when the name is known only with keys of
 * other types, a key of a new type is treated as changed rather than new. The
 * transport asks the server for the known types first, so an honest server
 * presents one of those; one that cannot is not silently trusted.
 */
export function checkHostKey(entries: readonly KnownHostEntry[], name: string, key: Buffer): HostKeyVerdict {
  const forName = entries.filter((e) => hostFieldMatches(e.hosts, name));
  const revoked = forName.find((e) => e.marker === 'revoked' && e.key.equals(key));
  if (revoked) return { status: 'revoked', entry: revoked };
  const plain = forName.filter((e) => e.marker === undefined);
  if (plain.some((e) => e.key.equals(key))) return { status: 'match' };
  const type = keyTypeOf(key);
  const sameType = plain.find((e) => e.keyType === type);
  if (sameType) return { status: 'changed', entry: sameType };
  if (plain[0]) return { status: 'changed', entry: plain[0] };
  return { status: 'new' };
}

/**
 * What {@link KnownHosts.verify} made of a key: `known` (it matches an entry),
 * `recorded` (the host was new and its key was appended), `unknown` (the host
 * was new and, not accepting new hosts, nothing was written).
 */
export type HostKeyOutcome = 'known' | 'recorded' | 'unknown';

/** Host key algorithms ssh2 can negotiate, in its default order. */
const HOST_KEY_ALGORITHMS = [
  'ssh-ed25519',
  'ecdsa-sha2-nistp256',
  'ecdsa-sha2-nistp384',
  'ecdsa-sha2-nistp521',
  'rsa-sha2-512',
  'rsa-sha2-256',
  'ssh-rsa',
];

function algorithmsForKeyType(keyType: string): string[] {
  return keyType === 'ssh-rsa' ? ['rsa-sha2-512', 'rsa-sha2-256', 'ssh-rsa'] : [keyType];
}

/** How long before its stat a file must have last changed for its parsed entries to be kept. */
const RACY_MS = 1000;

/** A known_hosts file as last read: the stat it was read at and its indexed entries. */
interface Snapshot {
  stamp: string;
  index: KnownHostsIndex;
}

/**
 * Reads and appends known_hosts files for the transport; appends go to the
 * first file. Operations are serialised so two connections accepting the same
 * new host do not both append it.
 *
 * A file is parsed once and kept with its stat (inode, size, mtime, ctime):
 * each lookup stats it and reads it again only when that changed, so an edit
 * by another process (an `ssh` run meanwhile, `ssh-keygen -R`) is seen, while
 * a run connecting to hundreds of known hosts does not parse hundreds of lines
 * per host. Any write changes the ctime, which no one can set back.
 */
export class KnownHosts {
  #queue: Promise<unknown> = Promise.resolve();
  readonly #snapshots = new Map<string, Snapshot>();

  /** The entries of `files` (missing files contribute nothing). */
  async read(files: readonly string[]): Promise<KnownHostEntry[]> {
    const all: KnownHostEntry[] = [];
    for (const file of files) all.push(...((await this.#snapshot(file))?.index.entries ?? []));
    return all;
  }

  /** The entries of `files` whose host field names `name`, in file and line order. */
  async lookup(files: readonly string[], name: string): Promise<KnownHostEntry[]> {
    const found: KnownHostEntry[] = [];
    for (const file of files) found.push(...((await this.#snapshot(file))?.index.lookup(name) ?? []));
    return found;
  }

  async #snapshot(file: string): Promise<Snapshot | undefined> {
    try {
      const statedAt = Date.now();
      // Synchronous: a stat of a local file costs less than the thread-pool round
      // trip of an asynchronous one, and every connection makes two.
      const info = statSync(file);
      const stamp = `${info.ino}:${info.size}:${info.mtimeMs}:${info.ctimeMs}`;
      const kept = this.#snapshots.get(file);
      if (kept?.stamp === stamp) return kept;
      // File times tick coarsely (a few ms): a file changed just before it was
      // read could change again within the same tick and keep its stat. Such a
      // file is not kept, so it is read again next time (git's "racy" rule).
      // A write after the stat changes the stat, so the next lookup sees it.
      const keep = statedAt - Math.max(info.mtimeMs, info.ctimeMs) > RACY_MS;
      // Read synchronously too (see ssh-config.ts's readConfigText): connections
      // to many hosts look up at once, and the first read and parse is then kept
      // before the next lookup runs, so one read serves them all.
      const snapshot = {
        stamp,
        index: new KnownHostsIndex(parseKnownHosts(readFileSync(file, 'utf8'), file)),
      };
      if (keep) this.#snapshots.set(file, snapshot);
      return snapshot;
    } catch (err) {
      this.#snapshots.delete(file);
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw new SshError(
        'KnownHostsUnwritable',
        `cannot read known_hosts ${file}: ${(err as Error).message}`,
        {
          cause: err,
          hint: 'Fix the file permissions, or pass another knownHostsPath.',
        },
      );
    }
  }

  /**
   * ssh2's host key algorithm list with the types known for `name` first, so the
   * server presents a key we can check rather than a new one.
   */
  async preferredAlgorithms(files: readonly string[], name: string): Promise<string[]> {
    const known = (await this.lookup(files, name)).filter((e) => e.marker === undefined);
    const first = [...new Set(known.flatMap((e) => algorithmsForKeyType(e.keyType)))].filter((a) =>
      HOST_KEY_ALGORITHMS.includes(a),
    );
    return [...first, ...HOST_KEY_ALGORITHMS.filter((a) => !first.includes(a))];
  }

  /**
   * Checks a presented host key. A known key passes (`known`); a changed or
   * revoked key throws, whatever the policy. An unknown host is recorded in
   * `files[0]` (`recorded`) when `acceptNew` holds, as accept-new does, and is
   * otherwise reported `unknown` with nothing written: the caller refuses it.
   */
  verify(
    files: readonly string[],
    name: string,
    key: Buffer,
    target: string,
    acceptNew = true,
  ): Promise<HostKeyOutcome> {
    const run = this.#queue.then(() => this.#verify(files, name, key, target, acceptNew));
    this.#queue = run.catch(() => undefined);
    return run;
  }

  async #verify(
    files: readonly string[],
    name: string,
    key: Buffer,
    target: string,
    acceptNew: boolean,
  ): Promise<HostKeyOutcome> {
    const verdict = checkHostKey(await this.lookup(files, name), name, key);
    switch (verdict.status) {
      case 'match':
        return 'known';
      case 'revoked':
        throw new SshError(
          'HostKeyRevoked',
          `ssh: the host key ${fingerprint(key)} presented by ${name} is marked @revoked in ` +
            `${verdict.entry.file}:${verdict.entry.line}; refusing to connect`,
          { target, hint: 'The host must be given a new key; ask its administrator.' },
        );
      case 'changed':
        throw new HostKeyChangedError({
          target,
          knownHostsName: name,
          knownHostsFile: verdict.entry.file,
          line: verdict.entry.line,
          expectedFingerprint: fingerprint(verdict.entry.key),
          actualFingerprint: fingerprint(key),
          actualKeyType: keyTypeOf(key),
        });
      case 'new':
        if (!acceptNew) return 'unknown';
        await this.#append(files[0]!, `${name} ${keyTypeOf(key)} ${key.toString('base64')}\n`, target);
        return 'recorded';
    }
  }

  async #append(file: string, line: string, target: string): Promise<void> {
    try {
      await mkdir(dirname(file), { recursive: true, mode: 0o700 });
      let prefix = '';
      try {
        const existing = await readFile(file);
        if (existing.length > 0 && existing[existing.length - 1] !== 0x0a) prefix = '\n';
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
      }
      await appendFile(file, prefix + line, { mode: 0o644 });
    } catch (err) {
      throw new SshError(
        'KnownHostsUnwritable',
        `cannot record the host key of ${target} in ${file}: ${(err as Error).message}`,
        {
          target,
          cause: err,
          hint: 'Make the known_hosts file writable, or pass another knownHostsPath.',
        },
      );
    }
  }
}
