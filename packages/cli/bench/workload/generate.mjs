/**
 * The configs the workload bench applies, as data: `.strat` text plus the local
 * files it reads, nothing written yet. Pure, so the vitest check
 * (src/__tests__/bench-workload.test.ts) validates exactly what the bench runs.
 *
 * Every host-side path is below `targetDir`: the host is this machine, reached
 * over the bench's own loopback sshd, and nothing else on it may be touched.
 */

/** The host block: the bench's sshd, reached as root@127.0.0.1 (the ssh config gives the port). */
const HOST = 'host "bench" {\n  addr   = "root@127.0.0.1"\n  tuning = false\n}\n';

/**
 * Where W's tree lives, both in the config's directory (`source_dir`) and
 * below the target dir on the host (`path`).
 */
export const TREE = 'tree';

/** A string literal for a .strat file; the generated text holds no `"`, `\` or `$`. */
function literal(text) {
  return `"${text.replaceAll('\n', '\\n')}"`;
}

/** 2 KiB of text (32 lines of 64 bytes), different for every index. */
export function fileContent(index) {
  const lines = [];
  for (let line = 0; line < 32; line++) {
    const head = `file ${String(index).padStart(4, '0')} line ${String(line).padStart(2, '0')} `;
    lines.push(`${head}${'abcdefghijklmnopqrstuvwxyz0123456789'.repeat(2)}`.slice(0, 63));
  }
  return `${lines.join('\n')}\n`;
}

function systemFile(name, path, content) {
  return `resource "system_file" "${name}" {\n  host    = host.bench.addr\n  path    = ${literal(path)}\n  content = ${literal(content)}\n}\n`;
}

/**
 * Workload W (issue 12): 100 `system_file` of 2 KiB, 50 `ssh_exec`, one
 * `system_dir` copying a local tree of `treeFiles` files (10 per directory).
 * Returns `{ strat, localFiles, hostFiles, commands, counts }`: `localFiles`
 * maps paths relative to the config's directory to their content (the
 * `system_dir`'s source tree, at `TREE/`); `hostFiles` maps the `system_file`s'
 * paths relative to `targetDir` to theirs; `commands` are the `ssh_exec`s' —
 * what the hand-written floor scripts do the same work with.
 */
export function workloadW(targetDir, { files = 100, execs = 50, treeFiles = 500 } = {}) {
  const parts = [HOST];
  const hostFiles = new Map();
  for (let i = 0; i < files; i++) {
    const name = `f${String(i).padStart(3, '0')}`;
    hostFiles.set(`files/${name}.txt`, fileContent(i));
    parts.push(systemFile(name, `${targetDir}/files/${name}.txt`, fileContent(i)));
  }
  const commands = [];
  for (let i = 0; i < execs; i++) {
    // Cheap and idempotent: the figure is stratum's cost per step, not the command's.
    commands.push(`echo step ${i}`);
    parts.push(
      `resource "ssh_exec" "e${String(i).padStart(2, '0')}" {\n  host    = host.bench.addr\n  command = ${literal(commands[i])}\n}\n`,
    );
  }
  parts.push(
    `resource "system_dir" "tree" {\n  host       = host.bench.addr\n  path       = ${literal(`${targetDir}/${TREE}`)}\n  source_dir = ${literal(TREE)}\n}\n`,
  );
  const localFiles = new Map();
  for (let i = 0; i < treeFiles; i++) {
    const dir = `d${String(Math.floor(i / 10)).padStart(2, '0')}`;
    localFiles.set(
      `${TREE}/${dir}/t${String(i).padStart(3, '0')}.txt`,
      `tree file ${i}\n${'x'.repeat(i % 200)}\n`,
    );
  }
  return { strat: parts.join('\n'), localFiles, hostFiles, commands, counts: { files, execs, treeFiles } };
}

/** One host, `count` small `system_file`s: the scaling curve's config. */
export function scaleConfig(targetDir, count) {
  const parts = [HOST];
  for (let i = 0; i < count; i++) {
    const name = `s${String(i).padStart(5, '0')}`;
    parts.push(systemFile(name, `${targetDir}/scale/${name}.txt`, `scale file ${i}\n`));
  }
  return {
    strat: parts.join('\n'),
    localFiles: new Map(),
    hostFiles: new Map(),
    commands: [],
    counts: { files: count },
  };
}
