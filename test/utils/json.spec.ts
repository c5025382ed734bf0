import { HostTree } from '@angular-devkit/schematics';
import { parse, ParseError } from 'jsonc-parser';
import { JSONFile, setJsonValue } from '../../src/utils/json';

/** Parses JSONC strictly enough to catch a missing or doubled comma. */
function parsed(text: string): unknown {
  const errors: ParseError[] = [];
  const value = parse(text, errors, { allowTrailingComma: true, disallowComments: false });
  expect(errors).toEqual([]);
  return value;
}

const TSCONFIG = [
  '{',
  '  // Nest starter options',
  '  "compilerOptions": {',
  '    "module": "nodenext", /* ESM */',
  '    "lib": ["es2023", "dom"],',
  '    "paths": { "@app/*": ["src/*"] },',
  '    "strict": true // keep it strict',
  '  },',
  '  "include": ["src"]',
  '}',
  '',
].join('\n');

describe('setJsonValue: a new property keeps the layout around it', () => {
  it("goes after the last property, on its own line with its siblings' indentation; its comment stays on its line", () => {
    const after = setJsonValue(TSCONFIG, ['compilerOptions', 'experimentalDecorators'], true);
    expect(after).toBe(
      [
        '{',
        '  // Nest starter options',
        '  "compilerOptions": {',
        '    "module": "nodenext", /* ESM */',
        '    "lib": ["es2023", "dom"],',
        '    "paths": { "@app/*": ["src/*"] },',
        '    "strict": true, // keep it strict',
        '    "experimentalDecorators": true',
        '  },',
        '  "include": ["src"]',
        '}',
        '',
      ].join('\n'),
    );
    expect(parsed(after)).toMatchObject({ compilerOptions: { strict: true, experimentalDecorators: true, lib: ['es2023', 'dom'] } });
  });

  it('after a last property with a comma and a comment ("x": 1, // note), and in objects with trailing commas, it gets a trailing comma too', () => {
    const before = '{\n  "compilerOptions": {\n    "strict": true, // note\n  },\n}\n';
    const after = setJsonValue(before, ['compilerOptions', 'emitDecoratorMetadata'], true);
    expect(after).toBe('{\n  "compilerOptions": {\n    "strict": true, // note\n    "emitDecoratorMetadata": true,\n  },\n}\n');
    expect(parsed(after)).toEqual({ compilerOptions: { strict: true, emitDecoratorMetadata: true } });
  });

  it("after a block comment that ends the last property's line, and after a last property whose value spans lines", () => {
    const before = '{\n  "lib": [\n    "es2023"\n  ] /* the runtime */\n}';
    const after = setJsonValue(before, ['target'], 'ES2023');
    expect(after).toBe('{\n  "lib": [\n    "es2023"\n  ], /* the runtime */\n  "target": "ES2023"\n}');
    expect(parsed(after)).toEqual({ lib: ['es2023'], target: 'ES2023' });
  });

  it("CRLF and tabs: the file's own line ending and indentation", () => {
    const before = '{\r\n\t"compilerOptions": {\r\n\t\t"lib": ["es2023", "dom"] // both\r\n\t}\r\n}\r\n';
    const after = setJsonValue(before, ['compilerOptions', 'experimentalDecorators'], true);
    expect(after).toBe(
      '{\r\n\t"compilerOptions": {\r\n\t\t"lib": ["es2023", "dom"], // both\r\n\t\t"experimentalDecorators": true\r\n\t}\r\n}\r\n',
    );
  });

  it("an empty object gets the property with the file's indentation step (4 spaces, tabs), and a missing parent is created", () => {
    const four = '{\n    "extends": "./base.json",\n    "compilerOptions": {}\n}\n';
    expect(setJsonValue(four, ['compilerOptions', 'experimentalDecorators'], true)).toBe(
      '{\n    "extends": "./base.json",\n    "compilerOptions": {\n        "experimentalDecorators": true\n    }\n}\n',
    );
    const tabs = '{\n\t"extends": "./base.json"\n}\n';
    expect(setJsonValue(tabs, ['compilerOptions', 'experimentalDecorators'], true)).toBe(
      '{\n\t"extends": "./base.json",\n\t"compilerOptions": {\n\t\t"experimentalDecorators": true\n\t}\n}\n',
    );
    expect(setJsonValue('{}', ['compilerOptions', 'experimentalDecorators'], true)).toBe(
      '{\n  "compilerOptions": {\n    "experimentalDecorators": true\n  }\n}',
    );
  });

  it('an empty object holding only a comment keeps the comment before the property', () => {
    const before = '{\n  "compilerOptions": {\n    // filled in by init\n  }\n}\n';
    const after = setJsonValue(before, ['compilerOptions', 'strict'], true);
    expect(after).toBe('{\n  "compilerOptions": {\n    // filled in by init\n    "strict": true\n  }\n}\n');
  });

  it('an object written on one line stays on one line', () => {
    expect(setJsonValue('{ "a": 1, "paths": { "@app/*": ["src/*"] } }', ['b'], ['x', 'y'])).toBe(
      '{ "a": 1, "paths": { "@app/*": ["src/*"] }, "b": ["x", "y"] }',
    );
  });

  it("an object or array value is laid out with the file's indentation from the property's line", () => {
    const pkg = '{\n  "name": "app",\n  "scripts": {\n    "build": "nest build"\n  }\n}\n';
    expect(setJsonValue(pkg, ['mikro-orm', 'configPaths'], ['./src/mikro-orm.config.ts', './dist/mikro-orm.config.js'])).toBe(
      '{\n  "name": "app",\n  "scripts": {\n    "build": "nest build"\n  },\n  "mikro-orm": {\n    "configPaths": [\n' +
        '      "./src/mikro-orm.config.ts",\n      "./dist/mikro-orm.config.js"\n    ]\n  }\n}\n',
    );
  });

  it('an existing value is replaced in place, and the same value changes nothing', () => {
    const before = '{\n  "collection": "@nestjs/schematics", // the default\n  "sourceRoot": "src"\n}\n';
    expect(setJsonValue(before, ['collection'], 'mikro-request-context')).toBe(
      '{\n  "collection": "mikro-request-context", // the default\n  "sourceRoot": "src"\n}\n',
    );
    expect(setJsonValue(before, ['sourceRoot'], 'src')).toBe(before);
  });
});

describe('JSONFile', () => {
  it('writes through the tree, and a second identical edit writes nothing', () => {
    const tree = new HostTree();
    tree.create('tsconfig.json', TSCONFIG);
    new JSONFile(tree, 'tsconfig.json').modify(['compilerOptions', 'experimentalDecorators'], true);
    const once = tree.readText('tsconfig.json');
    expect(new JSONFile(tree, 'tsconfig.json').get(['compilerOptions', 'experimentalDecorators'])).toBe(true);
    const file = new JSONFile(tree, 'tsconfig.json');
    file.modify(['compilerOptions', 'experimentalDecorators'], true);
    expect(tree.readText('tsconfig.json')).toBe(once);
    expect(file.get(['compilerOptions', 'lib'])).toEqual(['es2023', 'dom']);
  });
});
