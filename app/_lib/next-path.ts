/** Where to go after login: a path on this site only, never another origin (`//evil`, `/\evil`). */
export function safeNextPath(next: string | string[] | undefined, fallback = "/inspector"): string {
  const value = Array.isArray(next) ? next[0] : next;
  if (!value || !value.startsWith("/") || value.startsWith("//") || value.startsWith("/\\")) {
    return fallback;
  }
  return value;
}
