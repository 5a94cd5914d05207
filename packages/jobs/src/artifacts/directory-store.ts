import { copyFile, mkdir, rename } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { ArtifactCorruptError, type ArtifactStore, type StoredObject } from './store.js';
import { sha256File } from './hash.js';

/**
 * Artifacts as files under one root (MODEL_DIR): for one machine, or several sharing a filesystem.
 * A job's working directory already lives under that root, so storing is usually just hashing.
 */
export class DirectoryArtifactStore implements ArtifactStore {
  readonly kind = 'directory' as const;
  constructor(private readonly root: string) {}

  async put(key: string, sourcePath: string): Promise<StoredObject> {
    const target = resolve(this.root, key);
    if (resolve(sourcePath) !== target) {
      await mkdir(dirname(target), { recursive: true });
      const temp = `${target}.partial-${process.pid}`;
      await copyFile(sourcePath, temp);
      await rename(temp, target);
    }
    const { sha256, bytes } = await sha256File(target);
    return { uri: pathToFileURL(target).href, bytes, sha256 };
  }

  async discard(_uri: string): Promise<void> {
    // Same key, same path: the file was overwritten in place.
  }

  async fetch(object: StoredObject, destPath: string): Promise<void> {
    const source = fileURLToPath(object.uri);
    // In place, the object is the working directory's file itself: other bytes there are a later write by a process
    // that died before recording it (a worker killed between a checkpoint's write and its record). The recorded bytes
    // exist nowhere else; the file is kept as written, for the handler to resume from. Refusing it as corrupt failed
    // every later attempt of the job the same way.
    if (resolve(source) === resolve(destPath)) return;
    await mkdir(dirname(destPath), { recursive: true });
    const temp = join(dirname(destPath), `.fetch-${process.pid}-${Date.now()}`);
    await copyFile(source, temp);
    await rename(temp, destPath);
    const { sha256 } = await sha256File(destPath);
    if (sha256 !== object.sha256) throw ArtifactCorruptError(object.uri, object.sha256, sha256);
  }
}
