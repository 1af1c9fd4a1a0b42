#!/usr/bin/env node
// The publish metadata of every publishable package, from one place: the
// `repository` / `homepage` / `bugs` / `keywords` fields, a LICENSE file (the
// repository's), and README links that work on npm (absolute URLs to the docs
// site and the repository instead of `../../docs/...`).
//
//   node scripts/package-metadata.mjs          write them
//   node scripts/package-metadata.mjs --check  exit 1 listing what is not so (CI runs this)
//
// A new package gets its metadata by running the script once.
import { copyFileSync, existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, posix, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const REPOSITORY = 'https://github.com/stratum-iac/stratum';
const DOCS_SITE = 'https://stratum-iac.github.io/stratum';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const COMMON_KEYWORDS = ['stratum', 'infrastructure-as-code', 'iac', 'ssh', 'provisioning'];

/** Per package directory: the docs page that is its home, and its own keywords. */
const PACKAGES = {
  cli: { page: '/', keywords: ['cli', 'devops', 'bootstrap', 'deployment'] },
  core: { page: '/guides/automation', keywords: ['planner', 'state', 'provider-sdk'] },
  config: { page: '/reference/language', keywords: ['config', 'parser', 'hcl', 'chevrotain'] },
  'provider-ssh': { page: '/reference/providers/ssh', keywords: ['ssh2', 'provider'] },
  'provider-system': { page: '/reference/providers/system', keywords: ['apt', 'systemd', 'ufw', 'provider'] },
  'provider-docker': { page: '/reference/providers/docker', keywords: ['docker', 'containers', 'provider'] },
  'provider-git': { page: '/reference/providers/git', keywords: ['git', 'provider'] },
  'state-postgres': { page: '/reference/state', keywords: ['postgresql', 'state', 'backend'] },
  'language-server': { page: '/guides/editors', keywords: ['lsp', 'language-server', 'editor'] },
};

/** The publishable packages: every `packages/*` that is not private. */
function publishable() {
  return readdirSync(join(root, 'packages')).filter((dir) => {
    const manifest = join(root, 'packages', dir, 'package.json');
    return existsSync(manifest) && JSON.parse(readFileSync(manifest, 'utf8')).private !== true;
  });
}

/** A README link target as it must read on npm. */
function absoluteLink(target, dir) {
  if (/^[a-z][a-z0-9+.-]*:/i.test(target) || target.startsWith('#')) return target;
  const [path, fragment] = target.split('#');
  const repoPath = posix.normalize(posix.join('packages', dir, path));
  const hash = fragment === undefined ? '' : `#${fragment}`;
  if (repoPath.startsWith('docs/') && repoPath.endsWith('.md')) {
    const page = repoPath.slice('docs/'.length, -'.md'.length).replace(/(^|\/)README$/, '$1');
    return `${DOCS_SITE}/${page}${hash}`;
  }
  const full = join(root, repoPath);
  const kind = existsSync(full) && statSync(full).isDirectory() ? 'tree' : 'blob';
  return `${REPOSITORY}/${kind}/main/${repoPath}${hash}`;
}

function readme(dir) {
  const path = join(root, 'packages', dir, 'README.md');
  const text = readFileSync(path, 'utf8');
  return {
    path,
    text,
    fixed: text.replace(/\]\(([^)\s]+)\)/g, (_, target) => `](${absoluteLink(target, dir)})`),
  };
}

function manifest(dir) {
  const path = join(root, 'packages', dir, 'package.json');
  const text = readFileSync(path, 'utf8');
  const pkg = JSON.parse(text);
  const own = PACKAGES[dir] ?? { page: '/', keywords: [] };
  const fields = {
    repository: { type: 'git', url: `git+${REPOSITORY}.git`, directory: `packages/${dir}` },
    homepage: `${DOCS_SITE}${own.page}`,
    bugs: { url: `${REPOSITORY}/issues` },
    keywords: [...new Set([...COMMON_KEYWORDS, ...own.keywords])],
  };
  // The fields go right after `license`, in this order; the rest keeps its place.
  const out = {};
  for (const [key, value] of Object.entries(pkg)) {
    if (key in fields) continue;
    out[key] = value;
    if (key === 'license') Object.assign(out, fields);
  }
  if (!('license' in pkg)) Object.assign(out, { license: 'MIT' }, fields);
  return { path, text, fixed: `${JSON.stringify(out, null, 2)}\n` };
}

const check = process.argv.includes('--check');
const problems = [];
const license = join(root, 'LICENSE');
for (const dir of publishable()) {
  for (const file of [manifest(dir), readme(dir)]) {
    if (file.text === file.fixed) continue;
    if (check)
      problems.push(`${posix.relative(root, file.path)} is not as scripts/package-metadata.mjs writes it`);
    else writeFileSync(file.path, file.fixed);
  }
  const own = join(root, 'packages', dir, 'LICENSE');
  if (existsSync(own) && readFileSync(own, 'utf8') === readFileSync(license, 'utf8')) continue;
  if (check) problems.push(`packages/${dir}/LICENSE is missing or differs from the repository's LICENSE`);
  else copyFileSync(license, own);
}
if (problems.length > 0) {
  for (const problem of problems) console.error(problem);
  console.error('run `node scripts/package-metadata.mjs` to fix');
  process.exit(1);
}
