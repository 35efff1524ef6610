/**
 * Whether the SQLite file of `WECOM_AUTH_DB` can be used, checked before anything starts so that an unusable path is
 * a configuration problem (listed, exit code 2) that says why: a directory that is a file, a permission, a special
 * filesystem, a device, a missing directory the gateway does not create.
 */
import { accessSync, constants, type Stats, statfsSync, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';

/** The default `WECOM_AUTH_DB`: its directory is the one the gateway creates when it is missing. */
export const defaultDatabasePath = './data/wecom-auth.db';

/**
 * Linux filesystems that hold no files of their own (statfs `f_type`): a database there cannot work, and Node's
 * recursive mkdir spins forever under `/proc`.
 */
const specialFilesystems: ReadonlyMap<number, string> = new Map([
  [0x9fa0, 'proc'],
  [0x62656572, 'sysfs'],
  [0x27e0eb, 'cgroup'],
  [0x63677270, 'cgroup2'],
  [0x1cd1, 'devpts'],
  [0x64626720, 'debugfs'],
  [0x74726163, 'tracefs'],
  [0x73636673, 'securityfs'],
  [0xcafe4a11, 'bpf'],
  [0x6165676c, 'pstore'],
  [0x62656570, 'configfs'],
  [0xde5e81e4, 'efivarfs'],
  [0x19800202, 'mqueue'],
]);

function probe(path: string): Stats | string {
  try {
    return statSync(path);
  } catch (error) {
    return (error as NodeJS.ErrnoException).code ?? 'EIO';
  }
}

/** The error code of `access(path, mode)`, or undefined when allowed. */
function denied(path: string, mode: number): string | undefined {
  try {
    accessSync(path, mode);
    return undefined;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code ?? 'EACCES';
  }
}

function who(): string {
  return typeof process.getuid === 'function' ? `this user (uid ${process.getuid()})` : 'this user';
}

/** Why `code` refuses the gateway's writes at `path`, as a sentence. */
function refusal(code: string, path: string, what: string): string {
  if (code === 'EROFS') return `${path} is on a read-only filesystem: ${what} needs a writable one`;
  if (code === 'EACCES' || code === 'EPERM') return `permission denied: ${who()} cannot ${what} in ${path}`;
  return `${what} in ${path} fails (${code})`;
}

function kindOf(stats: Stats): string {
  if (stats.isCharacterDevice()) return 'a character device';
  if (stats.isBlockDevice()) return 'a block device';
  if (stats.isFIFO()) return 'a named pipe';
  if (stats.isSocket()) return 'a socket';
  return 'not a regular file';
}

/** The special filesystem `path` is on, by name, or undefined. */
function specialFilesystemOf(path: string): string | undefined {
  try {
    const special = specialFilesystems.get(statfsSync(path).type >>> 0);
    if (special) return special;
  } catch {
    // No statfs here (or not allowed): the path checks below still apply.
  }
  // /dev holds device nodes (devtmpfs, which reports itself as tmpfs); /dev/shm is an ordinary tmpfs.
  const inDev = path === '/dev' || path.startsWith('/dev/');
  return inDev && path !== '/dev/shm' && !path.startsWith('/dev/shm/') ? 'devtmpfs' : undefined;
}

/**
 * The problems of `path` as the SQLite file of the store, each naming `WECOM_AUTH_DB`; none when it can be used. Its
 * directory must exist, except the default's (`./data`), which is created at start.
 *
 * @example
 * const problems = databasePathProblems('/var/lib/wecom-auth/store.db');
 */
export function databasePathProblems(path: string): string[] {
  const file = resolve(path);
  const createDirectory = dirname(file) === resolve(dirname(defaultDatabasePath));
  const problem = databasePathProblem(file, createDirectory);
  return problem === undefined ? [] : [`WECOM_AUTH_DB: ${problem}`];
}

function databasePathProblem(file: string, createDirectory: boolean): string | undefined {
  // The nearest part of the path that exists: the file, its directory, or an ancestor.
  let existing = file;
  let found = probe(existing);
  while (typeof found === 'string' && (found === 'ENOENT' || found === 'ENOTDIR')) {
    const parent = dirname(existing);
    if (parent === existing) break;
    existing = parent;
    found = probe(existing);
  }
  if (typeof found === 'string') {
    return found === 'EACCES' || found === 'EPERM'
      ? `permission denied: ${who()} cannot reach ${existing}`
      : `${existing} cannot be read (${found})`;
  }
  const special = specialFilesystemOf(existing);
  if (special !== undefined) {
    return `${file} is on ${special}, a special filesystem that cannot hold a database: choose a path on a disk`;
  }
  const directory = dirname(file);
  if (existing === file) {
    if (found.isDirectory()) return `${file} is a directory: give the path of the database file in it`;
    if (!found.isFile()) return `${file} is ${kindOf(found)}: give the path of a database file`;
    const code = denied(file, constants.R_OK | constants.W_OK);
    if (code !== undefined) return refusal(code, file, 'read and write the database');
    // SQLite writes its -wal and -shm files next to the database.
    const dirCode = denied(directory, constants.W_OK | constants.X_OK);
    return dirCode === undefined ? undefined : refusal(dirCode, directory, 'create the -wal and -shm files');
  }
  if (!found.isDirectory()) return `${existing} is a file, not a directory`;
  if (existing !== directory && !createDirectory) {
    return `the directory ${directory} does not exist: create it first (only the default ./data is created by the gateway)`;
  }
  const what = existing === directory ? 'create the database' : `create the directory ${directory}`;
  const code = denied(existing, constants.W_OK | constants.X_OK);
  return code === undefined ? undefined : refusal(code, existing, what);
}
