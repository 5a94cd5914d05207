import type pg from 'pg';
import { DirectoryArtifactStore } from './directory-store.js';
import { PostgresArtifactStore } from './postgres-store.js';
import type { ArtifactStore } from './store.js';

/** The artifact store a deployment configured (DGM_OOD_ARTIFACT_STORE): large objects in PostgreSQL, or files under MODEL_DIR. */
export function configuredArtifactStore(config: { artifactStore: 'directory' | 'postgres'; modelDir: string }, pool: pg.Pool): ArtifactStore {
  return config.artifactStore === 'postgres' ? new PostgresArtifactStore(pool) : new DirectoryArtifactStore(config.modelDir);
}
