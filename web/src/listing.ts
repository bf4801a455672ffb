/**
 * Folder listings from scripts/serve-web.mjs: `GET <folder>/?list` answers 200 with
 * `{"exists": bool, "files": [relative paths]}`, so the page learns which model files exist without
 * requesting absent ones (each 404 would be logged as a console error). Another static server answers
 * something else; then the listing is unknown (null) and files are simply requested.
 */
export async function listFolder(base: string): Promise<string[] | null> {
  let res: Response;
  try {
    res = await fetch(new URL('?list', base), { headers: { accept: 'application/json' } });
  } catch {
    return null;
  }
  if (!res.ok || !(res.headers.get('content-type') ?? '').includes('application/json')) return null;
  const j = (await res.json().catch(() => null)) as { exists?: unknown; files?: unknown } | null;
  if (!j || typeof j.exists !== 'boolean') return null;
  return j.exists && Array.isArray(j.files) ? j.files.filter((f): f is string => typeof f === 'string') : [];
}
