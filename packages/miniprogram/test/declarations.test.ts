/**
 * The published declarations (miniprogram_dist/index.d.ts, emitted from the sources by build.mjs) accept what the
 * sources accept and reject what they reject: the compile-time assertions of test/types/ are compiled here against
 * the emitted file, as the root typecheck compiles them against the sources. A drift fails these tests.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import ts from 'typescript';
import { beforeAll, describe, expect, it } from 'vitest';
import { packageDir } from './support/built-sdk.js';

const declarationsFile = join(packageDir, 'miniprogram_dist', 'index.d.ts');
const sourceIndex = join(packageDir, 'src', 'index.ts');
const publicApiFixture = join(packageDir, 'test', 'types', 'public-api.ts');
const matchFixture = join(packageDir, 'test', 'types', 'declarations-match-sources.ts');

/** The project's compiler options, without the condition that sends `@wecom-auth/miniprogram` to the sources. */
function compilerOptions(): ts.CompilerOptions {
  const configFile = join(packageDir, '..', '..', 'tsconfig.base.json');
  const { config } = ts.readConfigFile(configFile, ts.sys.readFile) as { config: unknown };
  const parsed = ts.parseJsonConfigFileContent(config, ts.sys, join(packageDir, '..', '..'));
  return { ...parsed.options, noEmit: true, declaration: false, declarationMap: false, sourceMap: false };
}

const options = compilerOptions();
let program: ts.Program | undefined;
// Every file but the declarations is parsed once for all the compilations (vitest's types are most of them).
const parsed = new Map<string, ts.SourceFile | undefined>();

/** Compiles both fixtures against the emitted declarations, or against `tampered` text in their place. */
function compile(tampered?: (declarations: string) => string): ts.Program {
  const host = ts.createCompilerHost(options);
  const getSourceFile = host.getSourceFile.bind(host);
  host.getSourceFile = (file, languageVersion, onError) => {
    if (file === declarationsFile) {
      const text = readFileSync(file, 'utf8');
      return ts.createSourceFile(file, tampered ? tampered(text) : text, languageVersion);
    }
    if (!parsed.has(file)) parsed.set(file, getSourceFile(file, languageVersion, onError));
    return parsed.get(file);
  };
  return ts.createProgram({ rootNames: [publicApiFixture, matchFixture], options, host });
}

function errorsOf(compiled: ts.Program): string[] {
  return ts.getPreEmitDiagnostics(compiled).map((diagnostic) => {
    const where = diagnostic.file
      ? `${diagnostic.file.fileName.slice(packageDir.length + 1)}:${
          diagnostic.file.getLineAndCharacterOfPosition(diagnostic.start ?? 0).line + 1
        }`
      : 'program';
    return `${where}: ${ts.flattenDiagnosticMessageText(diagnostic.messageText, '\n')}`;
  });
}

/** `Name` and `Name.member` of every exported declaration and member in `text` that has no TSDoc comment. */
function undocumented(text: string): string[] {
  const file = ts.createSourceFile('index.d.ts', text, ts.ScriptTarget.Latest, true);
  const hasDoc = (node: ts.Node): boolean =>
    (ts.getLeadingCommentRanges(text, node.getFullStart()) ?? []).some(
      (range) => text.slice(range.pos, range.pos + 3) === '/**',
    );
  const missing: string[] = [];
  for (const statement of file.statements) {
    if (ts.isExportDeclaration(statement)) continue;
    const name = ts.isVariableStatement(statement)
      ? statement.declarationList.declarations.map((declaration) => declaration.name.getText()).join(', ')
      : ((statement as { name?: ts.Identifier }).name?.text ?? statement.getText().slice(0, 40));
    if (!hasDoc(statement)) missing.push(name);
    if (ts.isInterfaceDeclaration(statement) || ts.isClassDeclaration(statement)) {
      for (const member of statement.members) {
        if (!hasDoc(member)) missing.push(`${name}.${member.name?.getText() ?? 'constructor'}`);
      }
    }
  }
  return missing;
}

beforeAll(() => {
  execFileSync(process.execPath, ['build.mjs'], { cwd: packageDir, encoding: 'utf8' });
  program = compile();
}, 300_000);

describe('the emitted declarations', () => {
  it('are what @wecom-auth/miniprogram resolves to outside this repository', () => {
    const resolved = ts.resolveModuleName('@wecom-auth/miniprogram', publicApiFixture, options, ts.sys);
    expect(resolved.resolvedModule?.resolvedFileName).toBe(declarationsFile);
    expect(program?.getSourceFile(declarationsFile)).toBeDefined();
    expect(program?.getSourceFile(sourceIndex)).toBeDefined();
  });

  it('accept and reject the same code as the sources, and type every export as the sources do', () => {
    expect(errorsOf(program as ts.Program)).toEqual([]);
  });

  it('export the same names as the sources, each one checked type by type', () => {
    const checker = (program as ts.Program).getTypeChecker();
    const exportsOf = (file: string): string[] => {
      const sourceFile = (program as ts.Program).getSourceFile(file) as ts.SourceFile;
      const moduleSymbol = checker.getSymbolAtLocation(sourceFile) as ts.Symbol;
      return checker
        .getExportsOfModule(moduleSymbol)
        .map((symbol) => symbol.name)
        .sort();
    };
    const declared = exportsOf(declarationsFile);
    expect(declared).toEqual(exportsOf(sourceIndex));
    expect(declared).toEqual(expect.arrayContaining(['createAuth', 'WecomAuthError', 'GatewayErrorCode']));
    const fixture = readFileSync(matchFixture, 'utf8');
    const values = ['createAuth', 'REFRESH_AHEAD_MS'];
    for (const name of declared.filter((exported) => !values.includes(exported))) {
      expect(fixture, name).toMatch(new RegExp(`Declared\\.${name}\\b`));
    }
  });

  it('fail the type tests when they drift from the sources', () => {
    const withoutCode = errorsOf(compile((text) => text.replace(" | 'logged_out'", '')));
    expect(withoutCode.some((error) => error.startsWith('test/types/public-api.ts'))).toBe(true);
    expect(withoutCode.some((error) => error.startsWith('test/types/declarations-match-sources.ts'))).toBe(
      true,
    );
    const looserDecrypt = errorsOf(
      compile((text) => text.replace('decrypt(kind: DecryptKind)', 'decrypt(kind: string)')),
    );
    expect(looserDecrypt.some((error) => /public-api\.ts:\d+: Unused '@ts-expect-error'/.test(error))).toBe(
      true,
    );
  }, 300_000);

  it('document every export and every member, and the package', () => {
    const text = readFileSync(declarationsFile, 'utf8');
    expect(undocumented(text)).toEqual([]);
    expect(text).toContain('@packageDocumentation');
    // The check itself finds what is missing.
    expect(
      undocumented(
        '/** Doc. */\nexport declare interface A {\n  a: string;\n}\nexport declare const b = 1;\n',
      ),
    ).toEqual(['A.a', 'b']);
  });

  it('are in the npm package, where package.json points', () => {
    const manifest = JSON.parse(readFileSync(join(packageDir, 'package.json'), 'utf8')) as {
      types: string;
      main: string;
      exports: { '.': { types: string; default: string } };
    };
    expect(manifest.types).toBe('./miniprogram_dist/index.d.ts');
    expect(manifest.exports['.'].types).toBe(manifest.types);
    expect(manifest.exports['.'].default).toBe(manifest.main);
    const [packed] = JSON.parse(
      execFileSync('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], {
        cwd: packageDir,
        encoding: 'utf8',
      }),
    ) as Array<{ files: Array<{ path: string }> }>;
    const files = packed?.files.map((file) => file.path) ?? [];
    expect(files).toEqual(
      expect.arrayContaining(['miniprogram_dist/index.d.ts', 'miniprogram_dist/index.js']),
    );
    expect(files.filter((file) => file.startsWith('dist/'))).toEqual([]);
  });
});
