import { open } from 'node:fs/promises';

/**
 * Flushes what was written to a file (through any descriptor) to the disk, on libuv's thread pool.
 *
 * The file is opened for each sync rather than kept open: a descriptor held across syncs would keep syncing the old
 * file if the WAL were ever deleted and created anew (another process switching the journal mode, say), silently.
 * Opening costs thread-pool time, not event-loop time.
 */
export async function syncFile(path: string): Promise<void> {
  const handle = await open(path, 'r+');
  try {
    await handle.datasync();
  } finally {
    await handle.close();
  }
}
