/**
 * The packages as people install them: what `npm pack` puts in each published package (its README, the LICENSE, a
 * package.json that says where the code lives), and the README examples that a user copies into a strict TypeScript
 * project, compiled as written.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { afterAll, describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../', import.meta.url));

interface PackageJson {
  readonly name: string;
  readonly private?: boolean;
  readonly type?: string;
  readonly license?: string;
  readonly homepage?: string;
  readonly keywords?: readonly string[];
  readonly repository?: { readonly type?: string; readonly url?: string; readonly directory?: string };
}

const published = readdirSync(join(root, 'packages'))
  .map((dir) => ({
    dir,
    manifest: JSON.parse(readFileSync(join(root, 'packages', dir, 'package.json'), 'utf8')) as PackageJson,
  }))
  .filter(({ manifest }) => manifest.private !== true);

describe('npm pack of each published package', () => {
  const packed = JSON.parse(
    execFileSync(
      'npm',
      ['pack', '--dry-run', '--json', ...published.flatMap(({ dir }) => ['--workspace', `packages/${dir}`])],
      { cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] },
    ),
  ) as { name: string; files: { path: string }[] }[];
  const license = readFileSync(join(root, 'LICENSE'), 'utf8');
  const rootRepository = (JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as PackageJson)
    .repository;

  it('covers every package that is not private', () => {
    expect(published.map(({ manifest }) => manifest.name).sort()).toEqual([
      '@wecom-auth/api',
      '@wecom-auth/crypto',
      '@wecom-auth/gateway',
      '@wecom-auth/miniprogram',
      '@wecom-auth/sandbox',
      '@wecom-auth/store',
    ]);
    expect(packed.map((entry) => entry.name).sort()).toEqual(
      published.map(({ manifest }) => manifest.name).sort(),
    );
  });

  it.each(published)('$manifest.name holds its README, the LICENSE and package.json', ({ dir, manifest }) => {
    const files = packed.find((entry) => entry.name === manifest.name)?.files.map((file) => file.path) ?? [];
    expect(files).toEqual(expect.arrayContaining(['README.md', 'LICENSE', 'package.json']));
    expect(readFileSync(join(root, 'packages', dir, 'LICENSE'), 'utf8')).toBe(license);
    expect(readFileSync(join(root, 'packages', dir, 'README.md'), 'utf8')).toMatch(
      new RegExp(`^# ${manifest.name.replace('/', '\\/')}\\n`),
    );
  });

  it.each(published)('$manifest.name says where it comes from and what it is', ({ dir, manifest }) => {
    expect(manifest.license).toBe('MIT');
    expect(manifest.type).toBe('module');
    expect(manifest.repository).toEqual({
      type: 'git',
      url: rootRepository?.url,
      directory: `packages/${dir}`,
    });
    expect(manifest.repository?.url).toMatch(/^git\+https:\/\/github\.com\/[\w.-]+\/[\w.-]+\.git$/);
    expect(manifest.homepage).toBe(
      `${rootRepository?.url?.replace(/^git\+/, '').replace(/\.git$/, '')}/tree/main/packages/${dir}#readme`,
    );
    expect(manifest.keywords?.length).toBeGreaterThanOrEqual(3);
    expect(manifest.keywords).toContain('wecom');
  });
});

/** The ```ts blocks of `file` under the heading `heading`, up to the next heading. */
function typescriptBlocks(file: string, heading: string): string[] {
  const text = `\n${readFileSync(join(root, file), 'utf8')}`;
  const start = text.indexOf(`\n${heading}\n`);
  if (start < 0) throw new Error(`${file} has no heading ${heading}`);
  const rest = text.slice(start + heading.length + 2);
  const end = rest.search(/\n#+ /);
  const section = end < 0 ? rest : rest.slice(0, end);
  return [...section.matchAll(/```ts\n([\s\S]*?)```/g)].map((match) => match[1] ?? '');
}

// Under the repository's node_modules, so that the packages resolve as a user's project resolves them.
const scratch = join(root, 'node_modules', '.cache', 'wecom-auth-readme-examples');
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

/** Compiles `sources` (file name → text) together with the repository's strict settings; the diagnostics per file. */
function compile(sources: Readonly<Record<string, string>>): Record<string, string[]> {
  rmSync(scratch, { recursive: true, force: true });
  mkdirSync(scratch, { recursive: true });
  const files = Object.entries(sources).map(([name, text]) => {
    const file = join(scratch, name);
    writeFileSync(file, text);
    return file;
  });
  const base = JSON.parse(readFileSync(join(root, 'tsconfig.base.json'), 'utf8')) as {
    compilerOptions: Record<string, unknown>;
  };
  const { options, errors } = ts.convertCompilerOptionsFromJson(
    {
      ...base.compilerOptions,
      strict: true,
      noEmit: true,
      declaration: false,
      declarationMap: false,
      sourceMap: false,
      // The packages' sources stand for their published build, as in every test of this repository.
      customConditions: ['@wecom-auth/source'],
    },
    root,
  );
  expect(errors).toEqual([]);
  const program = ts.createProgram(files, options);
  const byFile: Record<string, string[]> = {};
  for (const [index, name] of Object.keys(sources).entries()) {
    const sourceFile = program.getSourceFile(files[index] ?? '');
    byFile[name] = ts
      .getPreEmitDiagnostics(program, sourceFile)
      .map(
        (diagnostic) =>
          `TS${diagnostic.code}: ${ts.flattenDiagnosticMessageText(diagnostic.messageText, '\n')}`,
      );
  }
  return byFile;
}

describe('TypeScript a user writes', () => {
  const examples: Record<string, string> = {};
  const readmes: [string, string][] = [
    ['README.md', '## Using the API client'],
    ['packages/api/README.md', '# @wecom-auth/api'],
    ['packages/store/README.md', '# @wecom-auth/store'],
    ['packages/gateway/README.md', '## Embed it'],
  ];
  for (const [file, heading] of readmes) {
    typescriptBlocks(file, heading)
      // The declaration-merging example stands in its own test below.
      .filter((block) => !block.startsWith('declare module'))
      .forEach((block, index) => {
        examples[`${file.replace(/\W+/g, '-')}-${index}.ts`] = block;
      });
  }
  const typeChecks = {
    'misspelt-field.ts': `import type { WecomUser } from '@wecom-auth/api';
declare const user: WecomUser;
export const name = user.nmae;
`,
    'extension-fields.ts': `import type { WecomUser } from '@wecom-auth/api';
declare const user: WecomUser;
export const text: string | undefined = user.extattr?.attrs?.[0]?.text?.value;
export const corp: string | undefined = user.external_profile?.external_corp_name;
export const link: string | undefined = user.external_profile?.external_attr?.[0]?.web?.url;
export const unknown = user.extattr?.attrs?.[0]?.colour;
`,
    'merged-field.ts': `import type { WecomUser } from '@wecom-auth/api';
declare module '@wecom-auth/api' {
  interface WecomUser {
    readonly new_field_from_wecom?: string;
  }
}
declare const user: WecomUser;
export const added: string | undefined = user.new_field_from_wecom;
`,
  };
  let diagnostics: Record<string, string[]> = {};

  it('finds the client examples', () => {
    expect(Object.keys(examples).length).toBeGreaterThanOrEqual(4);
    diagnostics = compile({ ...examples, ...typeChecks });
  }, 120_000);

  it("compiles the READMEs' client examples under strict, as written", () => {
    for (const name of Object.keys(examples)) expect({ [name]: diagnostics[name] }).toEqual({ [name]: [] });
  });

  it('refuses a misspelt field of a WeCom user', () => {
    expect(diagnostics['misspelt-field.ts']).toEqual([
      expect.stringMatching(/^TS(2339|2551): Property 'nmae' does not exist on type 'WecomUser'/),
    ]);
  });

  it('keeps the extension fields typed, and a field merged in by the user', () => {
    expect(diagnostics['extension-fields.ts']).toEqual([
      expect.stringMatching(/^TS2339: Property 'colour' does not exist on type 'ExtattrItem'/),
    ]);
    expect(diagnostics['merged-field.ts']).toEqual([]);
  });
});
