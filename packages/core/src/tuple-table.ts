/**
 * A host's connections by 4-tuple (its own address being fixed: local port, remote address, remote
 * port). Looked up for every segment a host receives, so no key string is built per lookup: a Map
 * keyed by `${port}|${addr}:${port}` concatenated and hashed a fresh string each time (issue 17's
 * profile). Keyed by remote address, then by the two ports as one number.
 */
export class TupleTable<T> {
  private readonly byRemoteAddr = new Map<string, Map<number, T>>();

  get(localPort: number, remoteAddr: string, remotePort: number): T | undefined {
    return this.byRemoteAddr.get(remoteAddr)?.get(portsKey(localPort, remotePort));
  }

  has(localPort: number, remoteAddr: string, remotePort: number): boolean {
    return this.get(localPort, remoteAddr, remotePort) !== undefined;
  }

  set(localPort: number, remoteAddr: string, remotePort: number, value: T): void {
    let ports = this.byRemoteAddr.get(remoteAddr);
    if (ports === undefined) {
      ports = new Map();
      this.byRemoteAddr.set(remoteAddr, ports);
    }
    ports.set(portsKey(localPort, remotePort), value);
  }

  delete(localPort: number, remoteAddr: string, remotePort: number): void {
    const ports = this.byRemoteAddr.get(remoteAddr);
    if (ports === undefined) return;
    ports.delete(portsKey(localPort, remotePort));
    if (ports.size === 0) this.byRemoteAddr.delete(remoteAddr);
  }

  clear(): void {
    this.byRemoteAddr.clear();
  }
}

/** Both ports (0 … 65535 each) in one small integer. */
function portsKey(localPort: number, remotePort: number): number {
  return localPort * 65_536 + remotePort;
}
