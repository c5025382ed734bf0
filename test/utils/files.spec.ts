import { sameCode } from '../../src/utils/files';

describe('sameCode', () => {
  const template = [
    "import { Module } from '@nestjs/common';",
    '',
    "const label = (i: number) => `name ${i} of ${'{'}x}`;",
    "export const options = { ...config, dbName: ':memory:', registerRequestContext: false };",
    '// a comment the formatter keeps',
    'export function page(limit: number, offset: number) { return find({ limit, offset }); }',
    '',
  ].join('\n');

  it('is true for the same code as prettier lays it out (line breaks, trailing commas, quotes, semicolons)', () => {
    const formatted = [
      'import { Module } from "@nestjs/common"',
      '',
      'const label = (i: number) =>',
      "  `name ${i} of ${'{'}x}`",
      'export const options = {',
      '  ...config,',
      '  dbName: ":memory:",',
      '  registerRequestContext: false,',
      '}',
      '// a comment the formatter keeps',
      'export function page(limit: number, offset: number) {',
      '  return find({ limit, offset })',
      '}',
      '',
    ].join('\r\n');
    expect(sameCode(template, formatted)).toBe(true);
  });

  it('is false for a change of code: a value, a name, an added property, a comment, text inside a template literal', () => {
    expect(sameCode(template, template.replace("':memory:'", "'db.sqlite'"))).toBe(false);
    expect(sameCode(template, template.replace('registerRequestContext: false', 'registerRequestContext: true'))).toBe(false);
    expect(sameCode(template, template.replace('{ limit, offset }', '{ limit, offset, orderBy }'))).toBe(false);
    expect(sameCode(template, template.replace('the formatter keeps', 'the user wrote'))).toBe(false);
    expect(sameCode(template, template.replace('} of ${', '} from ${'))).toBe(false);
    expect(sameCode(template, template.replace('(limit: number, offset: number)', '(limit: number, offset: number, extra: string)'))).toBe(
      false,
    );
  });
});
