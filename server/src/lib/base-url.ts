import type { Request } from 'express';

/** The base address of the web app as the caller reached it (behind a proxy: TRUST_PROXY). */
export function baseUrl(publicUrl: string | undefined, req: Request): string {
  if (publicUrl) return publicUrl.replace(/\/+$/, '');
  return `${req.protocol}://${req.get('host') ?? 'localhost'}`;
}
