import { readdirSync } from 'node:fs';
import { resolve } from 'node:path';

// The kind pages are generated (packages/docs-site/scripts/generate-kind-pages.mjs) before a build.
const kindsDir = resolve(import.meta.dirname, '../reference/kinds');
const kinds = readdirSync(kindsDir, { withFileTypes: true })
  .filter((entry) => entry.isFile() && entry.name.endsWith('.md') && entry.name !== 'index.md')
  .map((entry) => entry.name.replace(/\.md$/, ''))
  .sort();

// A plain object, not defineConfig: vitepress is installed in packages/docs-site, which docs/ cannot resolve.
export default {
  title: 'stratum',
  description: 'Declarative bootstrapping of Linux hosts over SSH',
  // README.md is the GitHub view of docs/; the attribute tables are included into pages, not pages themselves.
  srcExclude: ['README.md', 'reference/kinds/_tables/**'],
  cleanUrls: false,
  // Fails the build on a dead internal link.
  ignoreDeadLinks: false,
  lastUpdated: false,
  markdown: {
    // Prose writes `<kind>.<name>` placeholders; they are text, never HTML or Vue.
    html: false,
    languageAlias: { strat: 'hcl' },
    // Inline code quotes docker's `{{json .}}` formats: keep Vue from reading them as interpolation.
    config(md: { renderer: { rules: Record<string, (...args: any[]) => string> } }) {
      const render = md.renderer.rules.code_inline;
      md.renderer.rules.code_inline = (tokens, idx, ...rest) => {
        tokens[idx].attrSet('v-pre', '');
        return render(tokens, idx, ...rest);
      };
    },
  },
  themeConfig: {
    // The site is self-contained: no remote search, fonts, analytics or edit links.
    search: { provider: 'local' },
    nav: [
      { text: 'Guides', link: '/guides/automation' },
      { text: 'Reference', link: '/reference/cli' },
      { text: 'Kinds', link: '/reference/kinds/' },
    ],
    sidebar: [
      {
        text: 'Guides',
        items: [
          { text: 'Automation and JSON output', link: '/guides/automation' },
          { text: 'Writing a provider', link: '/guides/writing-a-provider' },
        ],
      },
      {
        text: 'Reference',
        items: [
          { text: 'CLI', link: '/reference/cli' },
          { text: 'The .strat language', link: '/reference/language' },
          { text: 'Evaluation', link: '/reference/evaluation' },
          { text: 'Planning', link: '/reference/planning' },
          { text: 'State', link: '/reference/state' },
          { text: 'Secrets', link: '/reference/secrets' },
          { text: 'JSON output formats', link: '/reference/json-output' },
          { text: 'Errors by code', link: '/reference/errors' },
          { text: 'SSH transport', link: '/reference/ssh-transport' },
        ],
      },
      {
        text: 'Providers',
        items: ['system', 'ssh', 'docker', 'git'].map((p) => ({ text: p, link: `/reference/providers/${p}` })),
      },
      {
        text: 'Kinds',
        collapsed: false,
        items: kinds.map((kind) => ({ text: kind, link: `/reference/kinds/${kind}` })),
      },
      {
        text: 'Contributing',
        items: [
          { text: 'Test hosts', link: '/contributing/test-hosts' },
          { text: 'Kind docs and the site', link: '/contributing/docs-site' },
        ],
      },
    ],
  },
};
