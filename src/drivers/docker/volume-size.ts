import type Docker from 'dockerode';

/**
 * The bytes each named volume holds, as the engine's disk usage report counts them (`docker system
 * df -v`); a volume the engine does not have is left out. The report walks every volume, so callers
 * ask for it rarely.
 */
export async function volumeSizes(docker: Docker, names: readonly string[]): Promise<Map<string, number>> {
  const wanted = new Set(names);
  const sizes = new Map<string, number>();
  if (wanted.size === 0) return sizes;
  const df = (await docker.df()) as { Volumes?: { Name: string; UsageData?: { Size?: number } }[] };
  for (const v of df.Volumes ?? [])
    if (wanted.has(v.Name) && typeof v.UsageData?.Size === 'number' && v.UsageData.Size >= 0)
      sizes.set(v.Name, v.UsageData.Size);
  return sizes;
}
