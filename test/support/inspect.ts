import * as ts from 'typescript';

/** Parses generated TypeScript so that tests assert structure, not substrings. */
export function parse(text: string, name = 'file.ts'): ts.SourceFile {
  return ts.createSourceFile(name, text, ts.ScriptTarget.Latest, true, ts.ScriptKind.TS);
}

export function walk(node: ts.Node, visit: (node: ts.Node) => void): void {
  visit(node);
  ts.forEachChild(node, (child) => walk(child, visit));
}

/** Every call `receiver.method(...)` in the file. */
export function callsOf(source: ts.SourceFile, receiver: string, method: string): ts.CallExpression[] {
  const calls: ts.CallExpression[] = [];
  walk(source, (node) => {
    if (
      ts.isCallExpression(node) &&
      ts.isPropertyAccessExpression(node.expression) &&
      node.expression.name.text === method &&
      node.expression.expression.getText(source) === receiver
    ) {
      calls.push(node);
    }
  });
  return calls;
}

/** Named imports of the file by module specifier. */
export function imports(source: ts.SourceFile): Map<string, string[]> {
  const map = new Map<string, string[]>();
  for (const statement of source.statements) {
    if (!ts.isImportDeclaration(statement) || !ts.isStringLiteral(statement.moduleSpecifier)) continue;
    const names: string[] = [];
    const clause = statement.importClause;
    if (clause?.name) names.push(clause.name.text);
    if (clause?.namedBindings && ts.isNamedImports(clause.namedBindings)) {
      names.push(...clause.namedBindings.elements.map((e) => e.name.text));
    }
    map.set(statement.moduleSpecifier.text, [...(map.get(statement.moduleSpecifier.text) ?? []), ...names]);
  }
  return map;
}

/** The statement list that directly contains `node`, and its index there. */
export function statementPosition(node: ts.Node): { statements: readonly ts.Statement[]; index: number } {
  let current: ts.Node = node;
  while (current.parent && !ts.isBlock(current.parent) && !ts.isSourceFile(current.parent)) current = current.parent;
  const statements = (current.parent as ts.Block | ts.SourceFile).statements;
  return { statements, index: statements.indexOf(current as ts.Statement) };
}

/** The `@Module({...})` metadata of a class, as property name → element texts of its arrays. */
export function moduleMetadata(source: ts.SourceFile, className: string): Map<string, string[]> {
  const result = new Map<string, string[]>();
  walk(source, (node) => {
    if (!ts.isClassDeclaration(node) || node.name?.text !== className) return;
    for (const decorator of ts.getDecorators(node) ?? []) {
      const call = decorator.expression;
      if (!ts.isCallExpression(call) || call.expression.getText(source) !== 'Module') continue;
      const [arg] = call.arguments;
      if (!arg || !ts.isObjectLiteralExpression(arg)) continue;
      for (const prop of arg.properties) {
        if (ts.isPropertyAssignment(prop) && ts.isArrayLiteralExpression(prop.initializer)) {
          result.set(
            prop.name.getText(source),
            prop.initializer.elements.map((e) => e.getText(source)),
          );
        }
      }
    }
  });
  return result;
}

/** The top-level properties of the first object literal passed to `callee(...)`, name → initializer text. */
export function objectArgument(call: ts.CallExpression, index = 0): Map<string, string> {
  const arg = call.arguments[index];
  const map = new Map<string, string>();
  if (!arg || !ts.isObjectLiteralExpression(arg)) return map;
  const source = call.getSourceFile();
  for (const prop of arg.properties) {
    if (ts.isPropertyAssignment(prop)) map.set(prop.name.getText(source), prop.initializer.getText(source));
    else if (ts.isSpreadAssignment(prop)) map.set(`...${prop.expression.getText(source)}`, '');
  }
  return map;
}
