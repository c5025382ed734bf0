import { parseText, arrayPropertyInsertion, importInsertion, Insertion, propertyInsertion, decoratorArgument } from '../../src/utils/ast';
import { detectSourceStyle, detectIndent } from '../../src/utils/source-style';
import * as ts from 'typescript';

function apply(text: string, insertions: (Insertion | undefined)[]): string {
  return insertions
    .filter((i): i is Insertion => !!i)
    .sort((a, b) => b.pos - a.pos)
    .reduce((out, { pos, text: t }) => out.slice(0, pos) + t + out.slice(pos), text);
}

function moduleObject(source: ts.SourceFile): ts.ObjectLiteralExpression {
  const cls = source.statements.find(ts.isClassDeclaration)!;
  return decoratorArgument(cls, 'Module')!.object!;
}

describe('source style', () => {
  it('detects quotes, semicolons, indentation and line endings', () => {
    const source = parseText('a.ts', 'import { A } from "a"\r\nclass B {\r\n\tx = 1\r\n}\r\n');
    expect(detectSourceStyle(source)).toEqual({ quote: '"', indent: '\t', eol: '\r\n', semicolon: false });
    expect(detectIndent('class A {\n    x = 1;\n        y = 2;\n}\n')).toBe('    ');
  });
});

describe('importInsertion', () => {
  const text = "import { Module } from '@nestjs/common';\nimport { A } from './a';\n";
  const source = parseText('m.ts', text);
  const style = detectSourceStyle(source);

  it('adds names to an existing named import', () => {
    expect(apply(text, [importInsertion(source, style, ['Injectable'], '@nestjs/common')])).toBe(
      "import { Module, Injectable } from '@nestjs/common';\nimport { A } from './a';\n",
    );
  });

  it('puts a package import after the last package import, a relative one after the last import', () => {
    expect(apply(text, [importInsertion(source, style, ['MikroORM'], '@mikro-orm/core')])).toBe(
      "import { Module } from '@nestjs/common';\nimport { MikroORM } from '@mikro-orm/core';\nimport { A } from './a';\n",
    );
    expect(apply(text, [importInsertion(source, style, ['B'], './b')])).toBe(`${text.trimEnd()}\nimport { B } from './b';\n`);
  });

  it('does nothing when the names are imported', () => {
    expect(importInsertion(source, style, ['Module'], '@nestjs/common')).toBeUndefined();
  });
});

describe('array and property insertions keep the layout', () => {
  it.each([
    ['@Module({ imports: [] })\nexport class M {}\n', '@Module({ imports: [X] })\nexport class M {}\n'],
    ['@Module({ imports: [A, B] })\nexport class M {}\n', '@Module({ imports: [A, B, X] })\nexport class M {}\n'],
    [
      '@Module({\n  imports: [\n    A,\n    B,\n  ],\n})\nexport class M {}\n',
      '@Module({\n  imports: [\n    A,\n    B,\n    X,\n  ],\n})\nexport class M {}\n',
    ],
    [
      '@Module({\n  imports: [\n    A,\n    B\n  ],\n})\nexport class M {}\n',
      '@Module({\n  imports: [\n    A,\n    B,\n    X\n  ],\n})\nexport class M {}\n',
    ],
    ['@Module({\n  controllers: [C],\n})\nexport class M {}\n', '@Module({\n  imports: [X],\n  controllers: [C],\n})\nexport class M {}\n'],
    ['@Module({})\nexport class M {}\n', '@Module({ imports: [X] })\nexport class M {}\n'],
  ])('%j', (text, expected) => {
    const source = parseText('m.ts', text);
    expect(apply(text, [arrayPropertyInsertion(source, detectSourceStyle(source), moduleObject(source), 'imports', 'X')])).toBe(expected);
  });

  it('does not add an element twice', () => {
    const source = parseText('m.ts', '@Module({ imports: [X] })\nexport class M {}\n');
    expect(arrayPropertyInsertion(source, detectSourceStyle(source), moduleObject(source), 'imports', 'X')).toBeUndefined();
  });

  it('adds a property last to a multi-line object', () => {
    const text = '@Module({\n  imports: [A],\n})\nexport class M {}\n';
    const source = parseText('m.ts', text);
    expect(apply(text, [propertyInsertion(source, detectSourceStyle(source), moduleObject(source), 'exports: [A]')])).toBe(
      '@Module({\n  imports: [A],\n  exports: [A],\n})\nexport class M {}\n',
    );
  });
});
