/**
 * The forms a secret takes on its way out of a program, besides itself:
 * what a tool prints when it quotes or escapes an argument, what an encoder
 * makes of it, what a shell makes of an unquoted expansion. Redaction looks
 * for every one of these, so `install: invalid user '...\303\251'` or a
 * base64 blob in an error is scrubbed like the plaintext.
 */

/** Forms shorter than this are not searched for inside text (they would hit unrelated words). */
const MIN_FORM_LENGTH = 8;

const cache = new Map<string, readonly string[]>();

/** The other forms of `plaintext`, distinct, each at least 8 characters; the plaintext itself excluded. */
export function secretForms(plaintext: string): readonly string[] {
  const cached = cache.get(plaintext);
  if (cached !== undefined) return cached;
  const bytes = Buffer.from(plaintext, 'utf8');
  const base64 = bytes.toString('base64');
  const folded = plaintext.trim().split(/\s+/).join(' ');
  const candidates = [
    // JSON string bodies: as JSON.stringify writes them, and with every non-ASCII as \uXXXX.
    JSON.stringify(plaintext).slice(1, -1),
    asciiJson(plaintext),
    // Shells: the body of a single-quoted word, a whole quoted word, a double-quoted body.
    plaintext.replaceAll("'", `'\\''`),
    `'${plaintext.replaceAll("'", `'\\''`)}'`,
    plaintext.replace(/[\\"$`]/g, (c) => `\\${c}`),
    // C-style escapes, as GNU tools quote an argument in messages (`\303\251` for é).
    cEscape(bytes, false),
    cEscape(bytes, true),
    // ... and in a UTF-8 locale, where only control characters and `\` are escaped.
    localeEscape(plaintext),
    // An unquoted `$VAR` in a shell: leading and trailing space dropped, runs folded —
    // and through dash's `echo`, which also reads backslash escapes.
    folded,
    echoed(folded),
    // The lines of a multi-line secret (a PEM key), each on its own.
    ...(plaintext.includes('\n') ? plaintext.split(/\r?\n/).map((line) => line.trim()) : []),
    // Encodings.
    base64,
    base64.replace(/=+$/, ''),
    bytes.toString('base64url'),
    bytes.toString('hex'),
    bytes.toString('hex').toUpperCase(),
    encodeURIComponent(plaintext),
    encodeURIComponent(plaintext).replaceAll('%20', '+'),
  ];
  const forms = [...new Set(candidates)].filter(
    (form) => form !== plaintext && form.length >= MIN_FORM_LENGTH,
  );
  if (cache.size > 10_000) cache.clear();
  cache.set(plaintext, forms);
  return forms;
}

/** JSON string body with every character outside printable ASCII as `\uXXXX`. */
function asciiJson(text: string): string {
  return JSON.stringify(text)
    .slice(1, -1)
    .replace(/[^\x20-\x7e]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/**
 * What dash's (and POSIX) `echo` prints for its argument: `\\`, `\n`, `\t`, ...
 * interpreted, `\c` ends it. Octal escapes make bytes, not characters (`\200`
 * is the byte 0x80), so the output is built as bytes and read back as UTF-8 the
 * way stratum reads a command's output: a lone 0x80 becomes U+FFFD.
 */
function echoed(text: string): string {
  const escapes: Record<string, string> = {
    '\\': '\\',
    n: '\n',
    t: '\t',
    r: '\r',
    a: '\x07',
    b: '\b',
    e: '\x1b',
    f: '\f',
    v: '\v',
  };
  const out: number[] = [];
  const put = (chars: string) => out.push(...Buffer.from(chars, 'utf8'));
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    const next = text[i + 1];
    if (c !== '\\' || next === undefined) {
      put(c);
      continue;
    }
    if (next === 'c') break;
    if (next === '0') {
      const digits = /^[0-7]{0,3}/.exec(text.slice(i + 2))![0];
      out.push(Number.parseInt(digits || '0', 8) & 0xff);
      i += 1 + digits.length;
      continue;
    }
    if (next >= '1' && next <= '7') {
      const digits = /^[0-7]{1,3}/.exec(text.slice(i + 1))![0];
      out.push(Number.parseInt(digits, 8) & 0xff);
      i += digits.length;
      continue;
    }
    const replacement = escapes[next];
    if (replacement === undefined) {
      put(c);
      continue;
    }
    put(replacement);
    i++;
  }
  return Buffer.from(out).toString('utf8');
}

/** Text as GNU tools quote it in a UTF-8 locale (`‘...’`): `\\`, C escapes for control characters, the rest as is. */
function localeEscape(text: string): string {
  return text.replace(/[\\\x00-\x1f\x7f]/g, (c) => {
    if (c === '\\') return '\\\\';
    if (c === '\n') return '\\n';
    if (c === '\t') return '\\t';
    if (c === '\r') return '\\r';
    return `\\${c.charCodeAt(0).toString(8).padStart(3, '0')}`;
  });
}

/** Bytes as a C string body: printable ASCII as is, `\\`, `\'` (and `\"`), `\n`-style escapes, `\ooo` otherwise. */
function cEscape(bytes: Buffer, escapeDoubleQuote: boolean): string {
  let out = '';
  for (const byte of bytes) {
    const c = String.fromCharCode(byte);
    if (c === '\\') out += '\\\\';
    else if (c === "'") out += "\\'";
    else if (c === '"' && escapeDoubleQuote) out += '\\"';
    else if (c === '\n') out += '\\n';
    else if (c === '\t') out += '\\t';
    else if (c === '\r') out += '\\r';
    else if (byte >= 0x20 && byte < 0x7f) out += c;
    else out += `\\${byte.toString(8).padStart(3, '0')}`;
  }
  return out;
}
