import * as ts from 'typescript';

/**
 * The formatting conventions of an existing source file, so that code we insert into it looks
 * like the code around it: quotes, indentation unit, line endings and semicolons.
 */
export interface SourceStyle {
  quote: "'" | '"';
  indent: string;
  eol: '\n' | '\r\n';
  semicolon: boolean;
}

export const DEFAULT_STYLE: SourceStyle = { quote: "'", indent: '  ', eol: '\n', semicolon: true };

export function detectSourceStyle(source: ts.SourceFile): SourceStyle {
  const text = source.text;
  const imports = source.statements.filter(ts.isImportDeclaration);
  const quoted = imports.map((i) => i.moduleSpecifier.getText(source)[0]);
  const doubles = quoted.filter((q) => q === '"').length;
  const terminated = source.statements.filter((s) => s.getText(source).endsWith(';')).length;
  const terminable = source.statements.filter(
    (s) => ts.isImportDeclaration(s) || ts.isVariableStatement(s) || ts.isExpressionStatement(s),
  ).length;
  return {
    quote: doubles * 2 > quoted.length ? '"' : "'",
    indent: detectIndent(text),
    eol: text.includes('\r\n') ? '\r\n' : '\n',
    semicolon: terminable === 0 || terminated > 0,
  };
}

/** The indentation unit: a tab when most indented lines start with one, else the smallest run of spaces. */
export function detectIndent(text: string): string {
  let tabs = 0;
  let spaced = 0;
  let smallest = Infinity;
  for (const line of text.split('\n')) {
    const lead = line.length - line.trimStart().length;
    if (lead === 0 || line.trim() === '' || line.trimStart().startsWith('*')) continue;
    if (line[0] === '\t') {
      tabs++;
    } else {
      spaced++;
      smallest = Math.min(smallest, lead);
    }
  }
  if (tabs > spaced) return '\t';
  return ' '.repeat(Number.isFinite(smallest) && smallest <= 8 ? smallest : 2);
}

/** A string literal in the file's own quote style. */
export function quoted(value: string, style: SourceStyle): string {
  return `${style.quote}${value.split(style.quote).join(`\\${style.quote}`)}${style.quote}`;
}

/** Ends a statement the way the file does. */
export function terminate(statement: string, style: SourceStyle): string {
  return style.semicolon ? `${statement};` : statement;
}
