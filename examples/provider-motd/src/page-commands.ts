import { shellQuote } from '@stratum/core/kit';
import { writeFileCommand } from './write-file.js';

/**
 * The shell side of `motd_page`. A page owns one directory on its host:
 *
 *   DIR/www/index.html   the text, served as `/`
 *   DIR/httpd.conf       `/:user:password` when the page has a password (mode 0600)
 *   DIR/httpd.pid        the pid of the running `busybox httpd`
 *   DIR/httpd.log        what httpd printed when it last started
 *
 * httpd serves DIR/www only, so its own files (the password among them) are never served.
 * Every function here is pure: it builds text, it runs nothing.
 */

export interface PagePaths {
  readonly dir: string;
  readonly www: string;
  readonly index: string;
  readonly conf: string;
  readonly pid: string;
  readonly log: string;
}

export function pagePaths(dir: string): PagePaths {
  return {
    dir,
    www: `${dir}/www`,
    index: `${dir}/www/index.html`,
    conf: `${dir}/httpd.conf`,
    pid: `${dir}/httpd.pid`,
    log: `${dir}/httpd.log`,
  };
}

/** The content of httpd.conf: the basic-auth rule for every path, or no rule at all. */
export function httpdConf(user: string, password: string | undefined): string {
  return password === undefined ? '# no password: the page is public\n' : `/:${user}:${password}\n`;
}

/**
 * Shell lines that set `d` (the page's directory) and `pid`, and define `running`: true when that
 * pid is alive (not a zombie) and is the httpd serving `$d/www`, so a stale pid file never makes
 * us signal some other process that reused the number.
 */
function prelude(dir: string): string[] {
  return [
    `d=${shellQuote(dir)}`,
    'pid=$(cat -- "$d/httpd.pid" 2>/dev/null) || pid=',
    'running() {',
    '  [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null &&',
    `    ! grep -q '^State:[[:space:]]*Z' "/proc/$pid/status" 2>/dev/null &&`,
    `    tr '\\0' '\\n' < "/proc/$pid/cmdline" 2>/dev/null | grep -qxF -- "$d/www"`,
    '}',
  ];
}

/** Checks that the busybox binary is there and has httpd. */
export function checkBusyboxCommand(busybox: string): string {
  return `${shellQuote(busybox)} --list | grep -qx httpd`;
}

/** Stops the page's httpd if it runs (waiting up to 5 s for it to go) and forgets its pid. */
export function stopCommand(dir: string): string {
  return [
    ...prelude(dir),
    'if running; then',
    '  kill "$pid"',
    '  i=0',
    '  while running && [ "$i" -lt 50 ]; do sleep 0.1; i=$((i + 1)); done',
    '  if running; then echo "httpd (pid $pid) did not stop" >&2; exit 1; fi',
    'fi',
    'rm -f -- "$d/httpd.pid"',
  ].join('\n');
}

export function mkdirCommand(dir: string): string {
  return `mkdir -p -- ${shellQuote(pagePaths(dir).www)}`;
}

/** The text, from stdin. */
export function writeIndexCommand(dir: string): string {
  return writeFileCommand(pagePaths(dir).index, '0644');
}

/** httpd.conf, from stdin: created 0600 from the start (umask), since it may hold the password. */
export function writeConfCommand(dir: string): string {
  return writeFileCommand(pagePaths(dir).conf, '0600');
}

/**
 * Starts `busybox httpd` in the foreground of a new session (`setsid`), detached from the ssh
 * session: no stdin, output to the log. Prints the pid, which is also written to httpd.pid.
 */
export function startCommand(options: { dir: string; busybox: string; bind: string; port: number }): string {
  const { dir, busybox, bind, port } = options;
  return [
    `d=${shellQuote(dir)}`,
    'cd / || exit 1',
    `setsid ${shellQuote(busybox)} httpd -f -p ${shellQuote(`${bind}:${port}`)} -h "$d/www" -c "$d/httpd.conf" </dev/null >"$d/httpd.log" 2>&1 &`,
    'pid=$!',
    'echo "$pid" >"$d/httpd.pid" && echo "$pid"',
  ].join('\n');
}

/** Removes the files the page wrote, then its directories, unless something else lives there. */
export function removeCommand(dir: string): string {
  const p = pagePaths(dir);
  return [
    `rm -f -- ${[p.index, p.conf, p.pid, p.log].map(shellQuote).join(' ')}`,
    `if [ -d ${shellQuote(p.www)} ]; then rmdir -- ${shellQuote(p.www)}; fi`,
    `if [ -d ${shellQuote(p.dir)} ]; then rmdir -- ${shellQuote(p.dir)}; fi`,
  ].join(' && ');
}

/** The address a client on the host itself reaches the page at. */
export function pageUrl(bind: string, port: number): string {
  return `http://${bind === '0.0.0.0' ? '127.0.0.1' : bind}:${port}/`;
}

/** Exit code of {@link readyCommand} and {@link probeCommand} for "no server" / "no page". */
export const NOT_RUNNING = 3;
export const NO_PAGE = 3;

/**
 * One readiness poll: exit 3 (with the log's tail) when httpd is not running any more, else
 * `busybox wget` of the page. It sends no credentials: a 401 also proves that httpd answers.
 */
export function readyCommand(options: { dir: string; busybox: string; bind: string; port: number }): string {
  const { dir, busybox, bind, port } = options;
  return [
    ...prelude(dir),
    `if ! running; then echo 'httpd is not running'; tail -n 5 -- "$d/httpd.log" 2>/dev/null; exit ${NOT_RUNNING}; fi`,
    `${shellQuote(busybox)} wget -q -O /dev/null ${shellQuote(pageUrl(bind, port))} 2>&1`,
  ].join('\n');
}

/** Exit 3 when there is no page; else `running` or `stopped` on the first line, then the text. */
export function probeCommand(dir: string): string {
  return [
    ...prelude(dir),
    `[ -e "$d/www/index.html" ] || exit ${NO_PAGE}`,
    'if running; then echo running; else echo stopped; fi',
    'exec cat -- "$d/www/index.html"',
  ].join('\n');
}
