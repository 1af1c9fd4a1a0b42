import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { resourceState, stateWith } from '../test/state-builders';
import { loadState } from './load';
import { saveState } from './save';
import { loadMerged, saveSplit } from './split';

let dir: string;
let nsPath: string;
let sharedPath: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'stratum-split-'));
  nsPath = join(dir, '.stratum', 'web.json');
  sharedPath = join(dir, '.stratum', '_shared.json');
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('saveSplit / loadMerged', () => {
  it('routes _stratum_* names to the shared file and the rest to the namespace file', async () => {
    const swap = resourceState('ssh_exec', '_stratum_swap_droplet', { host: 'h' });
    const oom = resourceState('system_file', '_stratum_sshd_oom_droplet', { host: 'h' });
    const web = resourceState('docker_container', 'web', { host: 'h' });
    // A name merely containing the prefix stays with the namespace.
    const lookalike = resourceState('system_file', 'my_stratum_notes', {});
    await saveSplit(nsPath, sharedPath, stateWith(swap, oom, web, lookalike));
    expect(Object.keys((await loadState(sharedPath)).resources)).toEqual([
      'ssh_exec._stratum_swap_droplet',
      'system_file._stratum_sshd_oom_droplet',
    ]);
    expect(Object.keys((await loadState(nsPath)).resources)).toEqual([
      'docker_container.web',
      'system_file.my_stratum_notes',
    ]);
    expect(await loadMerged(nsPath, sharedPath)).toEqual(stateWith(swap, oom, web, lookalike));
  });

  it('writes both files even when one side is empty', async () => {
    await saveSplit(nsPath, sharedPath, stateWith(resourceState('docker_container', 'web')));
    expect(await readFile(sharedPath, 'utf8')).toBe('{\n  "version": 1,\n  "resources": {}\n}\n');
    await saveSplit(nsPath, sharedPath, stateWith());
    expect(await readFile(nsPath, 'utf8')).toBe('{\n  "version": 1,\n  "resources": {}\n}\n');
  });

  it('treats missing files as empty', async () => {
    expect(await loadMerged(nsPath, sharedPath)).toEqual({ version: 1, resources: {} });
    await saveState(sharedPath, stateWith(resourceState('ssh_exec', '_stratum_swap_h')));
    expect(Object.keys((await loadMerged(nsPath, sharedPath)).resources)).toEqual([
      'ssh_exec._stratum_swap_h',
    ]);
  });

  it('lets the namespace entry win a collision', async () => {
    await saveState(sharedPath, stateWith(resourceState('ssh_exec', '_stratum_swap_h', { from: 'shared' })));
    await saveState(nsPath, stateWith(resourceState('ssh_exec', '_stratum_swap_h', { from: 'ns' })));
    expect((await loadMerged(nsPath, sharedPath)).resources['ssh_exec._stratum_swap_h']!.attrs).toEqual({
      from: 'ns',
    });
  });

  it('propagates a corrupt shared file instead of ignoring it', async () => {
    await saveState(nsPath, stateWith());
    await writeFile(sharedPath, 'not json');
    await expect(loadMerged(nsPath, sharedPath)).rejects.toThrow(
      `state file ${sharedPath} is not valid JSON`,
    );
  });
});
