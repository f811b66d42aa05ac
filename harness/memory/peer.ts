/** Another task at work now, as a session sees it: who, on which branch, touching which files. */
export interface Peer {
  task: string;
  role: string;
  branch: string;
  /** The files its branch changes against main, once ingested; before that, the files it declared. */
  files: string[];
}
