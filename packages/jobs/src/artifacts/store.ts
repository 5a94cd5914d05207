/** Where artifact bytes live. URIs name the store: file:///abs/path or pg-lo://<oid>. */
export interface StoredObject {
  uri: string;
  bytes: number;
  sha256: string;
}

export interface ArtifactStore {
  readonly kind: 'directory' | 'postgres';
  /** Stores the file at `sourcePath` under `key` (workdir key + artifact name). */
  put(key: string, sourcePath: string): Promise<StoredObject>;
  /** Frees an object no record points to any more (no-op where objects are overwritten in place). */
  discard(uri: string): Promise<void>;
  /** Writes the object to `destPath` (atomically) and verifies its sha256; leaves `destPath` as it is where it is the object itself. */
  fetch(object: StoredObject, destPath: string): Promise<void>;
}

export const ArtifactCorruptError = (uri: string, expected: string, actual: string) =>
  Object.assign(new Error(`artifact ${uri} is corrupt: sha256 ${actual.slice(0, 12)}… instead of ${expected.slice(0, 12)}…`), {
    code: 'DGM_ARTIFACT_CORRUPT',
  });
