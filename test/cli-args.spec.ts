import { OptionsSchema, parseCommandLine, parseSchematicOptions, UsageError } from '../src/cli/args';

const schema: OptionsSchema = {
  properties: {
    name: { type: 'string', $default: { $source: 'argv', index: 0 } },
    driver: { type: 'string', enum: ['sqlite', 'postgresql'] },
    fields: { type: 'string' },
    tags: { type: 'array', items: { type: 'string' } },
    port: { type: 'integer' },
    spec: { type: 'boolean', default: true },
    skipInstall: { type: 'boolean' },
    sourceRoot: { type: 'string' },
    path: { type: 'string', alias: 'p' },
  },
};

const parse = (...args: string[]) => parseSchematicOptions('thing', schema, args);
const failure = (...args: string[]): string => {
  try {
    parse(...args);
  } catch (error) {
    expect(error).toBeInstanceOf(UsageError);
    return (error as Error).message;
  }
  throw new Error(`no error for ${args.join(' ')}`);
};

describe('command line of the bin', () => {
  it('reads commands and the global flags wherever they stand', () => {
    expect(parseCommandLine(['init', '--driver', 'postgresql', '--dry-run'])).toEqual({
      globals: expect.objectContaining({ dryRun: true, help: false }),
      command: { kind: 'run', schematic: 'init', args: ['--driver', 'postgresql'] },
    });
    expect(parseCommandLine(['-d', 'g', 'entity', 'user', '--no-color', '--skip-install']).command).toEqual({
      kind: 'run',
      schematic: 'entity',
      args: ['user'],
    });
    expect(parseCommandLine(['generate', 'entity', '--no-color']).globals).toEqual(
      expect.objectContaining({ color: false, skipInstall: false }),
    );
    expect(parseCommandLine(['g', 'entity', '--help']).command).toEqual({ kind: 'help', schematic: 'entity' });
    expect(parseCommandLine(['init', '-h']).command).toEqual({ kind: 'help', schematic: 'init' });
    expect(parseCommandLine(['help', 'init']).command).toEqual({ kind: 'help', schematic: 'init' });
    expect(parseCommandLine([]).command).toEqual({ kind: 'help' });
    expect(parseCommandLine(['--version']).command).toEqual({ kind: 'version' });
    expect(parseCommandLine(['init', '--no-interactive']).globals.interactive).toBe(false);
    expect(() => parseCommandLine(['make', 'user'])).toThrow('Unknown command "make"');
    expect(() => parseCommandLine(['g'])).toThrow('Name the schematic to run');
    expect(() => parseCommandLine(['init', '--dry-run=maybe'])).toThrow('--dry-run takes no value other than true or false');
  });

  it('types every option by its schema, in --flag value, --flag=value, camelCase and alias forms', () => {
    expect(parse('users', '--driver', 'postgresql', '--port=5432', '--skipInstall', '--source-root', 'server', '-p', 'db')).toEqual({
      name: 'users',
      driver: 'postgresql',
      port: 5432,
      skipInstall: true,
      sourceRoot: 'server',
      path: 'db',
    });
    expect(parse('--fields', 'name:string,email:string:unique')).toEqual({ fields: 'name:string,email:string:unique' });
    expect(parse('--tags', 'a, b', '--tags=c')).toEqual({ tags: ['a', 'b', 'c'] });
    expect(parse('--path=--odd', '--', '-x')).toEqual({ path: '--odd', name: '-x' });
  });

  it('reads yes/no options as --x, --no-x, --x=false and --x false', () => {
    expect(parse('--spec')).toEqual({ spec: true });
    expect(parse('--no-spec')).toEqual({ spec: false });
    expect(parse('--spec=false')).toEqual({ spec: false });
    expect(parse('--spec', 'false', 'users')).toEqual({ spec: false, name: 'users' });
    expect(parse('--spec', 'users')).toEqual({ spec: true, name: 'users' });
  });

  it('refuses what the schema does not allow, naming the option and the choices', () => {
    expect(failure('--drvier', 'x')).toBe(
      'Unknown option --drvier for thing: it takes --name, --driver, --fields, --tags, --port, --spec, --skip-install, --source-root, --path.',
    );
    expect(failure('--driver', 'nope')).toBe('Invalid value "nope" for --driver: choose one of sqlite, postgresql.');
    expect(failure('--driver')).toBe('--driver needs a value: one of sqlite, postgresql.');
    expect(failure('--port', 'many')).toBe('--port needs a whole number (got "many").');
    expect(failure('--spec=maybe')).toBe('--spec is a yes/no option: use --spec or --no-spec.');
    expect(failure('--no-driver')).toBe('--no-driver: --driver is not a yes/no option.');
    expect(failure('users', 'extra')).toBe('Unexpected argument "extra": thing takes [name].');
    expect(failure('users', '--name', 'other')).toBe('name given twice: as the argument "users" and as --name.');
  });
});
