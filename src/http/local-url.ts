// Where a command on this machine reaches the appliance's HTTP listener: http.listen's address,
// or 127.0.0.1 when it listens on every address; IPv6 addresses in brackets.

export function isWildcardHost(host: string): boolean {
  return ['0.0.0.0', '::', ''].includes(host);
}

/** http://host:port/ for an address as http.listen gives it (IPv6 without brackets). */
export function hostUrl(host: string, port: number): string {
  return `http://${host.includes(':') ? `[${host}]` : host}:${port}/`;
}

/** The appliance's `path` (e.g. /readyz) as seen from this machine. */
export function localUrl(http: { readonly host: string; readonly port: number }, path: string): string {
  return `${hostUrl(isWildcardHost(http.host) ? '127.0.0.1' : http.host, http.port)}${path.replace(/^\//, '')}`;
}
