/**
 * What a spec may hold. A spec often arrives in a pull request, so every size is bounded: far
 * above any real staging server (the examples have at most 2 projects and 10 services; the
 * benchmark's 1,000 projects and 5,000 services take 0.6 MB), below what would make validation
 * slow or exhaust memory. README, "Limits".
 */
export const LIMITS = {
  /** Bytes of the spec file. */
  fileBytes: 2 * 1024 * 1024,
  /** Values after aliases are expanded (an alias bomb expands a few lines into billions). */
  expandedNodes: 500_000,
  /** Alias uses in the whole file. */
  aliases: 1_000,
  /** Keys in any one mapping (env, labels, services, projects). */
  mappingKeys: 10_000,
  /** Services over all projects. */
  services: 10_000,
  /** Services on one `uses` chain: start-up waits on each in turn. */
  usesChain: 32,
  /** Characters in any one text value (an env value, a command). */
  textLength: 32_768,
} as const;
