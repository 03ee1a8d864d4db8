import os from 'node:os';

const WILDCARDS = new Set(['0.0.0.0', '::', '']);

/**
 * The addresses people type to reach Karavan listening on `host`: localhost first, then, when it
 * listens on every interface, each non-internal IPv4 address of the machine (how phones on the
 * same network reach it), e.g. `http://192.168.1.20:8080`.
 */
export function listeningUrls(
  host: string,
  port: number,
  interfaces: NodeJS.Dict<os.NetworkInterfaceInfo[]> = os.networkInterfaces(),
): string[] {
  if (!WILDCARDS.has(host)) {
    const loopback = host === '127.0.0.1' || host === '::1' || host === 'localhost';
    const shown = host.includes(':') ? `[${host}]` : host;
    return [`http://${loopback ? 'localhost' : shown}:${port}`];
  }
  return [`http://localhost:${port}`, ...lanAddresses(interfaces).map((address) => `http://${address}:${port}`)];
}

/** Every non-internal IPv4 address of the machine, without duplicates, in interface order. */
export function lanAddresses(interfaces: NodeJS.Dict<os.NetworkInterfaceInfo[]> = os.networkInterfaces()): string[] {
  const found: string[] = [];
  for (const infos of Object.values(interfaces)) {
    for (const info of infos ?? []) {
      if (info.family === 'IPv4' && !info.internal && !found.includes(info.address)) found.push(info.address);
    }
  }
  return found;
}
