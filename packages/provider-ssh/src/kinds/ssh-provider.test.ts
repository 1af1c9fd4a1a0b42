import { Registry } from '@stratum/core';
import { describe, expect, it } from 'vitest';
import { createSshProvider } from './ssh-provider';

describe('createSshProvider', () => {
  it('owns ssh_exec and ssh_file', () => {
    const provider = createSshProvider();
    expect(provider.name).toBe('ssh');
    expect(Object.keys(provider.kinds).sort()).toEqual(['ssh_exec', 'ssh_file']);
    expect(new Registry([provider]).forKind('ssh_file').handler).toBe(provider.kinds.ssh_file);
  });
});
