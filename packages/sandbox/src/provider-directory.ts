/**
 * Large directories for tests and benchmarks of the provider (suite) mode: thousands of small corps with
 * deterministic ids, and a suite pre-installed in all or some of them without a single callback.
 */
import { createHash } from 'node:crypto';
import { demoSuite } from './demo-suite.js';
import type { DepartmentFixture, DirectoryFixture, UserFixture } from './directory-schema.js';
import type { SuiteOptions } from './suite-schema.js';

/** Options of {@link generateProviderDirectory}. */
export interface ProviderDirectoryOptions {
  /** How many corps (1 to 1 000 000). */
  corps: number;
  /** Members per corp (1 to 9999). Default 3. */
  usersPerCorp?: number;
  /** Corp ids derive from it: the same seed gives the same ids. Default 1. */
  seed?: string | number;
  /** Overrides of the suite (default: {@link demoSuite}'s id, secret, keys and mini program); `installs` is ignored. */
  suite?: Partial<Omit<SuiteOptions, 'installs'>>;
  /**
   * Which corps have the suite installed at start: `all` (default), `none`, the first N corps, or a predicate of the
   * corp's index.
   */
  installed?: 'all' | 'none' | number | ((corpIndex: number) => boolean);
}

/** A generated directory and the suite installed in it. */
export interface ProviderDirectory {
  /** Sandbox options: spread them into `createSandbox` or `buildSandboxApp`. */
  readonly options: { readonly fixture: DirectoryFixture; readonly suites: readonly SuiteOptions[] };
  /** The suite, with the generated installs. */
  readonly suite: SuiteOptions;
  /** Every corp id, by index. */
  readonly corpIds: readonly string[];
  /** The userids of every corp (each corp has the same userids, held by its own people). */
  readonly userIds: readonly string[];
  /** The corps that have the suite installed at start. */
  readonly installedCorpIds: readonly string[];
}

// Generated corps share their unchanging parts. Nothing edits a user's or department's nested values in place (the
// control API replaces whole records), and freezing makes any attempt fail loudly rather than touch every corp.
const NO_IDS = Object.freeze([]) as unknown as string[];
const ROOT_ONLY = Object.freeze([1]) as unknown as number[];
const NO_EXTATTR = Object.freeze({ attrs: Object.freeze([]) }) as unknown as UserFixture['extattr'];
const NO_EXTERNAL_PROFILE = Object.freeze({
  external_corp_name: '',
  external_attr: Object.freeze([]),
}) as unknown as UserFixture['external_profile'];
const SURNAMES = ['王', '李', '张', '刘', '陈', '杨', '黄', '赵'];
const GIVEN_NAMES = ['伟', '芳', '娜', '敏', '静', '强', '磊', '洋'];
const NAMES = SURNAMES.flatMap((surname) => GIVEN_NAMES.map((given) => `${surname}${given}`));

interface Recipe {
  build: () => DirectoryFixture;
  corpIds: readonly string[];
}

const recipes = new WeakMap<object, Recipe>();

/** Whether `fixture` came from {@link generateProviderDirectory} (valid by construction: no schema pass needed). */
export function isGeneratedDirectory(fixture: unknown): fixture is DirectoryFixture {
  return typeof fixture === 'object' && fixture !== null && recipes.has(fixture);
}

/** A fresh copy of a generated directory, built again from its recipe; `undefined` for any other fixture. */
export function copyGeneratedDirectory(fixture: unknown): DirectoryFixture | undefined {
  if (typeof fixture !== 'object' || fixture === null) return undefined;
  return recipes.get(fixture)?.build();
}

/** The corp ids of a directory, without building a generated one's corps. */
export function directoryCorpIds(fixture: DirectoryFixture): readonly string[] {
  return recipes.get(fixture)?.corpIds ?? fixture.corps.map((corp) => corp.corpId);
}

/**
 * The generator's own copy of the directory, whose corps are built on first read: a test that only hands it to a
 * sandbox (which builds its own copy from the recipe) never pays for it.
 */
function lazyDirectory(recipe: Recipe): DirectoryFixture {
  const fixture = { miniPrograms: [] } as unknown as DirectoryFixture;
  Object.defineProperty(fixture, 'corps', {
    configurable: true,
    enumerable: true,
    get(this: DirectoryFixture) {
      const { corps } = recipe.build();
      Object.defineProperty(this, 'corps', {
        value: corps,
        writable: true,
        enumerable: true,
        configurable: true,
      });
      return corps;
    },
  });
  recipes.set(fixture, recipe);
  return fixture;
}

function checkCount(value: unknown, name: string, max: number): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1 || value > max) {
    throw new TypeError(`${name} must be an integer from 1 to ${max}`);
  }
  return value;
}

function installedPredicate(installed: ProviderDirectoryOptions['installed']): (index: number) => boolean {
  if (installed === undefined || installed === 'all') return () => true;
  if (installed === 'none') return () => false;
  if (typeof installed === 'number') {
    if (!Number.isInteger(installed) || installed < 0) {
      throw new TypeError("installed must be 'all', 'none', a non-negative integer or a function");
    }
    return (index) => index < installed;
  }
  if (typeof installed === 'function') return (index) => installed(index) === true;
  throw new TypeError("installed must be 'all', 'none', a non-negative integer or a function");
}

/**
 * Generates `corps` small corps (one root department, `usersPerCorp` active members each, no self-built apps) with
 * ids derived from `seed`, and a suite installed in all or some of them. The installs exist from the start, with
 * permanent codes a test reads from `GET /__sandbox/suites/{suiteId}/installs`; no create_auth is pushed. Ten
 * thousand corps take a few tens of milliseconds and about ten megabytes: the sandbox builds its own copy from the
 * recipe instead of validating and cloning one, and `options.fixture`'s corps are built only if something reads them.
 *
 * @example
 * ```ts
 * const provider = generateProviderDirectory({ corps: 10_000, usersPerCorp: 3, seed: 7 });
 * const sandbox = await createSandbox({ ...provider.options });
 * const corpId = provider.corpIds[42];
 * ```
 */
export function generateProviderDirectory(options: ProviderDirectoryOptions): ProviderDirectory {
  if (typeof options !== 'object' || options === null) throw new TypeError('options must be an object');
  const corpCount = checkCount(options.corps, 'corps', 1_000_000);
  const usersPerCorp = checkCount(options.usersPerCorp ?? 3, 'usersPerCorp', 9999);
  const seed = options.seed ?? 1;
  if (typeof seed !== 'string' && typeof seed !== 'number')
    throw new TypeError('seed must be a string or a number');
  const isInstalled = installedPredicate(options.installed);
  const prefix = createHash('sha256')
    .update(`provider-directory\u0000${String(seed)}`)
    .digest('hex')
    .slice(0, 6);
  const corpIds = Array.from(
    { length: corpCount },
    (_, index) => `ww${prefix}${index.toString(16).padStart(10, '0')}`,
  );
  const userIds = Array.from(
    { length: usersPerCorp },
    (_, index) => `user${String(index + 1).padStart(4, '0')}`,
  );
  const installedCorpIds = corpIds.filter((_, index) => isInstalled(index));

  const build = (): DirectoryFixture => ({
    miniPrograms: [],
    corps: corpIds.map((corpId, index) => {
      const name = `测试企业 ${index + 1}`;
      const root: DepartmentFixture = {
        id: 1,
        name,
        name_en: '',
        parentid: 0,
        order: 100_000_000,
        department_leader: NO_IDS,
      };
      return {
        corpId,
        name,
        apps: [],
        departments: [root],
        users: userIds.map(
          (userid, u): UserFixture => ({
            userid,
            name: NAMES[(index + u) % NAMES.length] ?? userid,
            department: ROOT_ONLY,
            position: '',
            mobile: '',
            gender: u % 2 === 0 ? '1' : '2',
            email: '',
            biz_mail: '',
            direct_leader: NO_IDS,
            avatar: '',
            thumb_avatar: '',
            telephone: '',
            alias: '',
            address: '',
            extattr: NO_EXTATTR,
            status: 1,
            qr_code: '',
            external_position: '',
            external_profile: NO_EXTERNAL_PROFILE,
          }),
        ),
      };
    }),
  });
  const fixture = lazyDirectory({ build, corpIds });
  const suite: SuiteOptions = { ...demoSuite, ...options.suite, installs: installedCorpIds };
  return { options: { fixture, suites: [suite] }, suite, corpIds, userIds, installedCorpIds };
}
