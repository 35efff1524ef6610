import { type FileHandle, open } from 'node:fs/promises';

/**
 * Syncs one file to the disk, on libuv's thread pool: what was written to it through any descriptor (SQLite's) is
 * flushed by an fdatasync through ours.
 *
 * The file is opened at the first sync (SQLite creates its WAL file at the first write) and kept open until
 * {@link close}: one thread-pool job per sync instead of three. That is sound for a WAL file because SQLite deletes
 * or replaces it only when the last connection to the database closes, and the store's own connection stays open
 * until after the last sync.
 */
export class FileSync {
  /** The file this syncs. */
  readonly path: string;
  #handle: Promise<FileHandle> | undefined;

  constructor(path: string) {
    this.path = path;
  }

  async sync(): Promise<void> {
    this.#handle ??= open(this.path, 'r+');
    let handle: FileHandle;
    try {
      handle = await this.#handle;
    } catch (error) {
      // Not opened (not created yet, say): the next sync tries again.
      this.#handle = undefined;
      throw error;
    }
    await handle.datasync();
  }

  async close(): Promise<void> {
    const handle = this.#handle;
    this.#handle = undefined;
    await (await handle?.catch(() => undefined))?.close();
  }
}
