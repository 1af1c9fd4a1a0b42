// Types for generate.mjs, for the test that validates its configs (src/__tests__/bench-workload.e2e.test.ts).

export interface GeneratedConfig {
  strat: string;
  /** Paths relative to the config's directory → content. */
  localFiles: Map<string, string>;
  /** The `system_file`s' paths relative to the target dir → content. */
  hostFiles: Map<string, string>;
  commands: string[];
  counts: { files: number; execs?: number; treeFiles?: number };
}

export function fileContent(index: number): string;
export function workloadW(
  targetDir: string,
  options?: { files?: number; execs?: number; treeFiles?: number },
): GeneratedConfig;
export function scaleConfig(targetDir: string, count: number): GeneratedConfig;
export const TREE: string;
