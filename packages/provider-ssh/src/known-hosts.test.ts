import { execFileSync } from 'node:child_process';
import { createHmac, randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { StratumError } from '@stratum/core';
import { startLoopbackSshd } from '@stratum/testkit';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { HostKeyChangedError } from './errors';
import {
  checkHostKey,
  fingerprint,
  hostFieldMatches,
  KnownHosts,
  KnownHostsIndex,
  keyTypeOf,
  knownHostsName,
  parseKnownHosts,
} from './known-hosts';
import { createSshTransport } from './transport';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'stratum-known-hosts-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** A fresh ed25519 public key blob and its known_hosts key fields. */
function newKey(name: string): { blob: Buffer; fields: string } {
  const path = join(dir, name);
  execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', path]);
  const [type, base64] = execFileSync('cat', [`${path}.pub`])
    .toString()
    .trim()
    .split(' ');
  return { blob: Buffer.from(base64!, 'base64'), fields: `${type} ${base64}` };
}

function hashed(name: string): string {
  const salt = randomBytes(20);
  return `|1|${salt.toString('base64')}|${createHmac('sha1', salt).update(name).digest('base64')}`;
}

describe('known_hosts format', () => {
  it('names non-22 ports in brackets', () => {
    expect(knownHostsName('example.org', 22)).toBe('example.org');
    expect(knownHostsName('127.0.0.1', 2222)).toBe('[127.0.0.1]:2222');
  });

  it('matches patterns, negations and hashed names', () => {
    expect(hostFieldMatches('a.example,b.example', 'b.example')).toBe(true);
    expect(hostFieldMatches('*.example,!bad.example', 'good.example')).toBe(true);
    expect(hostFieldMatches('*.example,!bad.example', 'bad.example')).toBe(false);
    expect(hostFieldMatches('web?', 'WEB1')).toBe(true);
    expect(hostFieldMatches('[127.0.0.1]:2222', '[127.0.0.1]:2222')).toBe(true);
    expect(hostFieldMatches('127.0.0.1', '[127.0.0.1]:2222')).toBe(false);
    expect(hostFieldMatches(hashed('[10.0.0.1]:2222'), '[10.0.0.1]:2222')).toBe(true);
    expect(hostFieldMatches(hashed('[10.0.0.1]:2222'), '[10.0.0.1]:2223')).toBe(false);
  });

  it('matches the hashes ssh-keygen -H writes', async () => {
    const file = join(dir, 'to-hash');
    const { fields } = newKey('hash-me');
    await writeFile(file, `[db.internal]:2200 ${fields}\n`);
    execFileSync('ssh-keygen', ['-q', '-H', '-f', file], { stdio: 'pipe' });
    const [entry] = parseKnownHosts(await readFile(file, 'utf8'), file);
    expect(entry!.hosts.startsWith('|1|')).toBe(true);
    expect(hostFieldMatches(entry!.hosts, '[db.internal]:2200')).toBe(true);
  });

  it('parses markers, skips comments and malformed lines, keeps line numbers', () => {
    const a = newKey('a');
    const text = [
      '# comment',
      '',
      `host1 ${a.fields} comment here`,
      'garbage',
      `@revoked * ${a.fields}`,
    ].join('\n');
    const entries = parseKnownHosts(text, 'kh');
    expect(entries.map((e) => [e.line, e.marker, e.hosts])).toEqual([
      [3, undefined, 'host1'],
      [5, 'revoked', '*'],
    ]);
    expect(entries[0]!.keyType).toBe('ssh-ed25519');
    expect(keyTypeOf(a.blob)).toBe('ssh-ed25519');
  });

  it('prints fingerprints like ssh-keygen -l', () => {
    const path = join(dir, 'fp');
    execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', path]);
    const listed = execFileSync('ssh-keygen', ['-l', '-f', `${path}.pub`])
      .toString()
      .split(' ')[1];
    const blob = Buffer.from(
      execFileSync('cat', [`${path}.pub`])
        .toString()
        .split(' ')[1]!,
      'base64',
    );
    expect(fingerprint(blob)).toBe(listed);
  });
});

describe('checkHostKey', () => {
  const a = newKeyLazy('ka');
  const b = newKeyLazy('kb');

  it('tells match, new, changed and revoked apart', () => {
    const entries = parseKnownHosts(`[h]:2222 ${a().fields}\nother ${b().fields}\n`, 'kh');
    expect(checkHostKey(entries, '[h]:2222', a().blob)).toEqual({ status: 'match' });
    expect(checkHostKey(entries, 'unknown', a().blob)).toEqual({ status: 'new' });
    const changed = checkHostKey(entries, '[h]:2222', b().blob);
    expect(changed.status).toBe('changed');
    expect(changed.status === 'changed' && changed.entry.line).toBe(1);
    const revoked = parseKnownHosts(`@revoked * ${a().fields}\nh ${a().fields}\n`, 'kh');
    expect(checkHostKey(revoked, 'h', a().blob).status).toBe('revoked');
  });

  it('refuses a key of a type the host was never known with', () => {
    const rsaPath = join(dir, 'rsa');
    execFileSync('ssh-keygen', ['-q', '-t', 'rsa', '-b', '2048', '-N', '', '-f', rsaPath]);
    const [type, base64] = execFileSync('cat', [`${rsaPath}.pub`])
      .toString()
      .trim()
      .split(' ');
    const entries = parseKnownHosts(`h ${type} ${base64}\n`, 'kh');
    expect(checkHostKey(entries, 'h', a().blob).status).toBe('changed');
  });
});

describe('KnownHosts store', () => {
  it('appends a new host on its own line even when the file lacks a final newline', async () => {
    const file = join(dir, 'no-newline');
    const a = newKey('store-a');
    const b = newKey('store-b');
    await writeFile(file, `first ${a.fields}`);
    const store = new KnownHosts();
    expect(await store.verify([file], 'second', b.blob, 'root@second:22')).toBe('recorded');
    expect(await store.verify([file], 'second', b.blob, 'root@second:22')).toBe('known');
    const lines = (await readFile(file, 'utf8')).split('\n');
    expect(lines[1]).toBe(`second ${b.fields}`);
  });

  it('with acceptNew false, reports an unknown host without recording it, and still checks known ones', async () => {
    const file = join(dir, 'refuse-new');
    const a = newKey('refuse-a');
    const b = newKey('refuse-b');
    await writeFile(file, `known ${a.fields}\n`);
    const store = new KnownHosts();
    expect(await store.verify([file], 'stranger', b.blob, 'root@stranger:22', false)).toBe('unknown');
    expect(await store.verify([file], 'known', a.blob, 'root@known:22', false)).toBe('known');
    await expect(store.verify([file], 'known', b.blob, 'root@known:22', false)).rejects.toMatchObject({
      code: 'HostKeyChanged',
    });
    expect(await readFile(file, 'utf8')).toBe(`known ${a.fields}\n`);
    // A missing file is not created either.
    const missing = join(dir, 'refuse-new-missing');
    expect(await store.verify([missing], 'stranger', b.blob, 'root@stranger:22', false)).toBe('unknown');
    await expect(readFile(missing)).rejects.toMatchObject({ code: 'ENOENT' });
  });

  it('asks for the known key types first', async () => {
    const file = join(dir, 'prefs');
    const rsaPath = join(dir, 'prefs-rsa');
    execFileSync('ssh-keygen', ['-q', '-t', 'rsa', '-b', '2048', '-N', '', '-f', rsaPath]);
    await writeFile(file, `h ${execFileSync('cat', [`${rsaPath}.pub`]).toString()}`);
    const algorithms = await new KnownHosts().preferredAlgorithms([file], 'h');
    expect(algorithms.slice(0, 3)).toEqual(['rsa-sha2-512', 'rsa-sha2-256', 'ssh-rsa']);
    expect(algorithms).toContain('ssh-ed25519');
  });
});

describe('KnownHostsIndex', () => {
  // A few names, so that generated lines and looked-up names collide often.
  const names = ['web1', 'WEB1', 'web2', 'db', '[db]:2222', '[10.0.0.1]:22', '10.0.0.1', 'x.example'];
  const pattern = fc.oneof(
    fc.constantFrom(...names),
    fc.constantFrom('web?', '*.example', '*', '[db]:*', '10.0.0.*', ''),
    fc.constantFrom(...names, 'web?', '*').map((p) => `!${p}`),
  );
  const hostField = fc.oneof(
    { weight: 4, arbitrary: fc.array(pattern, { minLength: 1, maxLength: 4 }).map((ps) => ps.join(',')) },
    { weight: 1, arbitrary: fc.constantFrom(...names).map(hashed) },
  );
  const blob = newKeyLazy('index');

  it('finds exactly the lines a scan with hostFieldMatches finds, in line order', () => {
    fc.assert(
      fc.property(
        fc.array(hostField, { maxLength: 30 }),
        fc.array(fc.constantFrom(...names), { minLength: 1 }),
        (fields, lookups) => {
          const entries = fields.map((hosts, i) => ({
            file: 'f',
            line: i + 1,
            marker: undefined,
            hosts,
            keyType: 'ssh-ed25519',
            key: blob().blob,
          }));
          const index = new KnownHostsIndex(entries);
          for (const name of lookups) {
            // Twice: the second answer comes from what the first one kept.
            for (let round = 0; round < 2; round++)
              expect(index.lookup(name)).toEqual(entries.filter((e) => hostFieldMatches(e.hosts, name)));
          }
        },
      ),
    );
  });
});

describe('KnownHosts store, read once and kept', () => {
  it('sees lines another writer appends, replaces or removes between lookups', async () => {
    const file = join(dir, 'kept');
    const a = newKey('kept-a');
    const b = newKey('kept-b');
    await writeFile(file, `one ${a.fields}\n`);
    const store = new KnownHosts();
    expect(await store.verify([file], 'one', a.blob, 'root@one:22', false)).toBe('known');
    expect(await store.verify([file], 'two', b.blob, 'root@two:22', false)).toBe('unknown');
    // As `ssh` would, meanwhile: a new host...
    await writeFile(file, `one ${a.fields}\ntwo ${b.fields}\n`);
    expect(await store.verify([file], 'two', b.blob, 'root@two:22', false)).toBe('known');
    // ...a key replaced in place, the file the same size as before (`ssh-keygen -R` then a new key)...
    const c = newKey('kept-c');
    await writeFile(file, `one ${c.fields}\ntwo ${b.fields}\n`);
    await expect(store.verify([file], 'one', a.blob, 'root@one:22', false)).rejects.toMatchObject({
      code: 'HostKeyChanged',
    });
    // ...and the file removed.
    await rm(file);
    expect(await store.lookup([file], 'two')).toEqual([]);
    expect(await store.verify([file], 'two', b.blob, 'root@two:22', false)).toBe('unknown');
  });

  it('parses a file that has not changed once, and again once it has', async () => {
    const file = join(dir, 'kept-old');
    const a = newKey('kept-old-a');
    const b = newKey('kept-old-b');
    await writeFile(file, `one ${a.fields}\n`);
    // Changed long enough ago (its mtime; utimes also sets the ctime to now,
    // so the file is only trusted once that is old too: wait it out).
    const old = new Date(Date.now() - 60_000);
    await utimes(file, old, old);
    await new Promise((resolve) => setTimeout(resolve, 1100));
    const store = new KnownHosts();
    const [first] = await store.lookup([file], 'one');
    const [again] = await store.lookup([file], 'one');
    expect(again).toBe(first);
    // The same size and the mtime set back: the ctime still tells.
    await writeFile(file, `one ${b.fields}\n`);
    await utimes(file, old, old);
    const [changed] = await store.lookup([file], 'one');
    expect(changed).not.toBe(first);
    expect(changed!.key).toEqual(b.blob);
  });

  it('finds the host it recorded itself, and names an unreadable file', async () => {
    const file = join(dir, 'kept-recorded');
    const a = newKey('kept-rec');
    const store = new KnownHosts();
    expect(await store.lookup([file], 'new')).toEqual([]);
    expect(await store.verify([file], 'new', a.blob, 'root@new:22')).toBe('recorded');
    expect((await store.lookup([file], 'new')).map((e) => e.line)).toEqual([1]);
    await expect(store.lookup([dir], 'new')).rejects.toMatchObject({
      code: 'KnownHostsUnwritable',
      message: expect.stringContaining(`cannot read known_hosts ${dir}`),
    });
  });
});

describe('against a real sshd', () => {
  it('refuses a changed host key, naming both fingerprints and the known_hosts line', async () => {
    const knownHostsPath = join(dir, 'changed_known_hosts');
    const first = await startLoopbackSshd();
    const { port } = first;
    const oldFingerprint = first.hostKeyFingerprint;
    try {
      const t = createSshTransport({ ...first.transportOptions, knownHostsPath });
      await t.exec(first.addr, 'true');
      await t.close();
    } finally {
      await first.stop();
    }
    // Same address and port, another host key: what a reinstalled host (or an attacker) looks like.
    const second = await startLoopbackSshd({ port });
    try {
      const t = createSshTransport({ ...second.transportOptions, knownHostsPath });
      let caught: unknown;
      await t.exec(second.addr, 'true').catch((err: unknown) => {
        caught = err;
      });
      await t.close();
      expect(StratumError.hasCode(caught, 'HostKeyChanged')).toBe(true);
      const err = caught as HostKeyChangedError;
      expect(err.expectedFingerprint).toBe(oldFingerprint);
      expect(err.actualFingerprint).toBe(second.hostKeyFingerprint);
      expect(err.message).toContain(`[127.0.0.1]:${port}`);
      expect(err.message).toContain(oldFingerprint);
      expect(err.message).toContain(second.hostKeyFingerprint);
      expect(err.message).toContain(`${knownHostsPath}:1`);
      expect(err.hint).toContain('remove line 1');
      // Nothing was appended: the stale line stays for the operator to judge.
      expect((await readFile(knownHostsPath, 'utf8')).trim().split('\n')).toHaveLength(1);
    } finally {
      await second.stop();
    }
  });

  it('accepts a hashed known_hosts entry, and refuses when the hashed entry holds another key', async () => {
    const sshd = await startLoopbackSshd();
    try {
      const name = `[127.0.0.1]:${sshd.port}`;
      const hostKey = (await readFile(`${sshd.hostKeyPath}.pub`, 'utf8')).split(' ').slice(0, 2).join(' ');
      const good = join(dir, 'hashed_good');
      await writeFile(good, `${hashed(name)} ${hostKey}\n`);
      const before = await readFile(good, 'utf8');
      const ok = createSshTransport({ ...sshd.transportOptions, knownHostsPath: good });
      expect((await ok.exec(sshd.addr, 'echo hi')).stdout).toBe('hi\n');
      await ok.close();
      expect(await readFile(good, 'utf8')).toBe(before);

      const bad = join(dir, 'hashed_bad');
      await writeFile(bad, `${hashed(name)} ${newKey('impostor').fields}\n`);
      const refused = createSshTransport({ ...sshd.transportOptions, knownHostsPath: bad });
      await expect(refused.exec(sshd.addr, 'true')).rejects.toMatchObject({ code: 'HostKeyChanged' });
      await refused.close();
    } finally {
      await sshd.stop();
    }
  });
});

/** Generates the key on first use (describe bodies run before beforeAll). */
function newKeyLazy(name: string): () => { blob: Buffer; fields: string } {
  let key: { blob: Buffer; fields: string } | undefined;
  return () => {
    key ??= newKey(name);
    return key;
  };
}
