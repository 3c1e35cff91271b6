/** How a Temporal server binary was found: a path the SDK runs, or the SDK's own download as last resort. */
export type Provisioned =
  | { type: 'existing-path'; path: string; source: string; seconds?: number }
  | { type: 'cached-download'; source: 'SDK download'; failures: string[] };

export interface ProvisionOptions {
  /** Lines of progress (default: stderr). */
  progress?: (line: string) => void;
  /** Allow building from the registries (default true). */
  build?: boolean;
}
