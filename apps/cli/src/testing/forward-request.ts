import type { IncomingMessage } from 'node:http';

/** Sends a request a test proxy received on to `upstream` (a coordinator's base URL); its answer, read whole. */
export async function forwardRequest(request: IncomingMessage, upstream: string): Promise<{ status: number; contentType: string; body: Buffer }> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  const response = await fetch(`${upstream}${request.url}`, {
    method: request.method,
    headers: Object.fromEntries(Object.entries(request.headers).filter(([k]) => k !== 'host' && k !== 'content-length')) as Record<string, string>,
    ...(chunks.length ? { body: Buffer.concat(chunks) } : {}),
  });
  return { status: response.status, contentType: response.headers.get('content-type') ?? 'application/json', body: Buffer.from(await response.arrayBuffer()) };
}
