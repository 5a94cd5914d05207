/** Host and Origin checks: what stops DNS rebinding and cross-site requests (forms, text/plain POSTs, SSE). */

/** The host name of a Host header (`[::1]:8080` → `[::1]`, `example.com:80` → `example.com`). */
export function hostNameOf(host: string): string {
  const lower = host.toLowerCase();
  if (lower.startsWith('[')) return lower.slice(0, lower.indexOf(']') + 1);
  return lower.split(':')[0]!;
}

/** Whether a Host header names this coordinator: its host name (any port), or `name:port` as listed, or `*`. */
export function hostAllowed(host: string | undefined, allowed: readonly string[]): boolean {
  if (!host) return false;
  if (allowed.includes('*')) return true;
  return allowed.includes(hostNameOf(host)) || allowed.includes(host.toLowerCase());
}

/** Whether an Origin header is the origin the request was sent to (its host and port are the Host header). */
export function sameOrigin(origin: string, host: string | undefined): boolean {
  if (!host) return false;
  try {
    const url = new URL(origin);
    return (url.protocol === 'http:' || url.protocol === 'https:') && url.host === new URL(`${url.protocol}//${host}`).host;
  } catch {
    return false; // `null` (sandboxed pages, file://) and anything malformed
  }
}
