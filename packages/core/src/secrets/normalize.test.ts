import { describe, expect, it } from 'vitest';
import { normalizeForPlan, SECRET_CONTENT_TO_SHA } from './normalize';
import { sha256Hex } from './redaction-map';

describe('normalizeForPlan', () => {
  it('lists system_secret_file.content', () => {
    expect(SECRET_CONTENT_TO_SHA).toEqual([['system_secret_file', 'content']]);
  });

  it('replaces the content with the plain-hex sha256 of its UTF-8 bytes', () => {
    const attrs = { host: 'h', path: '/etc/x', mode: '0400', content: 'héllo wörld secret' };
    const normalized = normalizeForPlan('system_secret_file', attrs);
    expect(normalized).toEqual({
      host: 'h',
      path: '/etc/x',
      mode: '0400',
      sha256: sha256Hex(Buffer.from('héllo wörld secret', 'utf8')),
    });
    expect(normalized.sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(attrs.content).toBe('héllo wörld secret');
  });

  it('leaves other kinds and content-less attrs alone', () => {
    const file = { host: 'h', path: '/x', content: 'plain' };
    expect(normalizeForPlan('system_file', file)).toBe(file);
    const noContent = { host: 'h', path: '/x' };
    expect(normalizeForPlan('system_secret_file', noContent)).toBe(noContent);
  });
});
