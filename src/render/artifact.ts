/** What a renderer returns: a file's path (relative to the output folder), content and mode. */
export interface Artifact {
  path: string;
  content: string;
  /** Unix permission bits; 0o644 unless the file is a script (0o755) or private (0o600). */
  mode: number;
}

export function file(path: string, content: string, mode = 0o644): Artifact {
  return { path, content: content.endsWith('\n') ? content : `${content}\n`, mode };
}
