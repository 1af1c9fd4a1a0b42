import { execFileSync } from 'node:child_process';
import { createReadStream, existsSync, mkdirSync, statSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { extname, join, resolve } from 'node:path';
import { kindDocs } from '@stratum/core';
import { createSystemProvider } from '@stratum/provider-system';
import { LinkChecker } from 'linkinator';
import puppeteer, { type Browser } from 'puppeteer-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const packageDir = resolve(import.meta.dirname, '..');
const repoDir = resolve(packageDir, '../..');
const distDir = resolve(repoDir, 'docs/.vitepress/dist');
const shotsDir = resolve(repoDir, '.test-results/docs-screenshots');
const CHROMIUM = '/usr/bin/chromium';

const TYPES: Record<string, string> = {
  '.html': 'text/html',
  '.js': 'text/javascript',
  '.css': 'text/css',
  '.json': 'application/json',
  '.svg': 'image/svg+xml',
  '.woff2': 'font/woff2',
};

/** Serves the built site on loopback, as a static host would (directories → index.html). */
function serve(root: string): Promise<Server> {
  const server = createServer((req, res) => {
    const path = decodeURIComponent(new URL(req.url ?? '/', 'http://127.0.0.1').pathname);
    let file = join(root, path);
    if (!file.startsWith(root)) file = root;
    if (existsSync(file) && statSync(file).isDirectory()) file = join(file, 'index.html');
    if (!existsSync(file)) {
      res.writeHead(404).end('not found');
      return;
    }
    res.writeHead(200, { 'content-type': TYPES[extname(file)] ?? 'application/octet-stream' });
    createReadStream(file).pipe(res);
  });
  return new Promise((done) => server.listen(0, '127.0.0.1', () => done(server)));
}

let server: Server;
let base: string;

beforeAll(() => {
  // The real build: kind pages generated from the schemas, then VitePress (which fails on dead links).
  execFileSync('pnpm', ['run', 'docs:build'], { cwd: packageDir, stdio: 'pipe', timeout: 240_000 });
}, 300_000);

beforeAll(async () => {
  server = await serve(distDir);
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
});

afterAll(() => new Promise<void>((done) => (server ? server.close(() => done()) : done())));

describe('the docs site', () => {
  it('has no broken internal link', async () => {
    const checker = new LinkChecker();
    const result = await checker.check({
      path: base,
      recurse: true,
      concurrency: 4,
      // Only loopback is ever fetched; a link elsewhere is not followed.
      linksToSkip: async (url: string) => !url.startsWith(base),
    });
    const broken = result.links
      .filter((link) => link.state === 'BROKEN')
      .map((l) => `${l.url} (from ${l.parent})`);
    expect(broken.join('\n')).toBe('');
    const pages = result.links.filter((link) => link.state === 'OK' && link.url.endsWith('.html'));
    expect(pages.length).toBeGreaterThan(20);
  }, 120_000);

  it('renders the home page and a kind page in headless Chromium, with nothing fetched from off the machine', async () => {
    mkdirSync(shotsDir, { recursive: true });
    const browser: Browser = await puppeteer.launch({
      executablePath: CHROMIUM,
      headless: true,
      args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage'],
    });
    const offMachine: string[] = [];
    try {
      const page = await browser.newPage();
      await page.setRequestInterception(true);
      page.on('request', (request) => {
        const url = request.url();
        if (url.startsWith(base) || url.startsWith('data:')) void request.continue();
        else {
          offMachine.push(url);
          void request.abort();
        }
      });
      await page.setViewport({ width: 1280, height: 900 });

      await page.goto(base, { waitUntil: 'networkidle0', timeout: 60_000 });
      expect(await page.title()).toContain('stratum');
      expect(await page.$eval('body', (b) => b.textContent ?? '')).toContain('Linux hosts, declared');
      await page.screenshot({ path: join(shotsDir, 'home.png'), fullPage: true });

      await page.goto(`${base}reference/kinds/system_dir.html`, {
        waitUntil: 'networkidle0',
        timeout: 60_000,
      });
      const rows = await page.$$eval('table tbody tr', (trs) =>
        trs.map((tr) => [...tr.querySelectorAll('td')].map((td) => (td.textContent ?? '').trim())),
      );
      // What the page shows is exactly what the kind's schema says.
      const doc = kindDocs('system_dir', createSystemProvider().kinds.system_dir!);
      expect(rows).toEqual(
        doc.attributes.map((a) =>
          [
            a.name,
            a.type,
            a.required ? 'yes' : 'no',
            a.default === undefined ? '' : JSON.stringify(a.default),
            a.secret ? 'yes' : '',
            a.description ?? '',
            // Markdown renders `code` spans as code: the page shows the text without the backticks.
          ].map((cell) => cell.replaceAll('`', '')),
        ),
      );
      expect(rows.map((r) => r[0])).toContain('delete_extra');
      await page.screenshot({ path: join(shotsDir, 'kind-system_dir.png'), fullPage: true });
    } finally {
      await browser.close();
    }
    expect(offMachine).toEqual([]);
  }, 120_000);
});
