export { DirectoryArtifactStore } from './directory-store.js';
export { PostgresArtifactStore } from './postgres-store.js';
export { listArtifacts, removeArtifact, restoreWorkdir, saveArtifact } from './job-artifacts.js';
export type { ArtifactStore, StoredObject } from './store.js';
export { sha256File } from './hash.js';
export { configuredArtifactStore } from './configured-store.js';
