/** Another task at work now, as a session sees it: who, on which branch, touching which files. */
export interface Peer {
  task: string;
  role: string;
  branch: string;
  /** The files its branch changes against main, once ingested; before that, the files it declared. */
  files: string[];
  /** Files it leased (gantry-agent lease) and until when (ISO). */
  lease?: { files: string[]; until: string };
}

/** The peers with their leases. */
export function withLeases(peers: readonly Peer[], leases: ReadonlyArray<{ task: string; files: string[]; until: number }>): Peer[] {
  return peers.map((peer) => {
    const lease = leases.find((l) => l.task === peer.task);
    return lease ? { ...peer, lease: { files: lease.files, until: new Date(lease.until).toISOString() } } : peer;
  });
}
