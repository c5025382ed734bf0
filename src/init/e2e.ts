import { Rule } from '@angular-devkit/schematics';
import * as ts from 'typescript';
import { applyInsertions, findNodes, lineIndent, parseSource } from '../utils/ast';
import { detectSourceStyle, terminate } from '../utils/source-style';
import { InitPlan } from './plan';

/**
 * The app's own e2e specs boot the root module, which now opens MikroORM's connection pool. A spec
 * that never closes its app (`nest new` with CLI 10 writes one) leaves the pool open and jest never
 * exits: such a spec gets `afterEach(async () => { await app.close(); })` at the end of its describe,
 * as CLI 11's template has. Specs that close their app somewhere are left as they are.
 */
export function closeE2eApps(plan: InitPlan): Rule {
  return (tree, context) => {
    if (plan.ormRoots.length > 0) return;
    const folder = [plan.project.root === '.' ? '' : plan.project.root, 'test'].filter(Boolean).join('/');
    for (const file of tree.getDir(folder).subfiles.filter((f) => f.endsWith('.e2e-spec.ts'))) {
      const path = `${folder}/${file}`;
      const source = parseSource(tree, path);
      const app = unclosedApp(source);
      if (!app) continue;
      const style = detectSourceStyle(source);
      const body = app.describeBody;
      const indent = body.statements.length > 0 ? lineIndent(source, body.statements[0]) : lineIndent(source, body) + style.indent;
      const hook = [`afterEach(async () => {`, `${style.indent}${terminate(`await ${app.variable}.close()`, style)}`, `})`];
      const text = `${style.eol}${style.eol}${hook.map((line, i) => `${indent}${i === hook.length - 1 ? terminate(line, style) : line}`).join(style.eol)}`;
      applyInsertions(tree, path, [{ pos: body.statements[body.statements.length - 1].getEnd(), text }]);
      context.logger.info(`${path}: the app is closed after each test (afterEach), so the database pool it now opens lets jest exit.`);
    }
  };
}

/** The variable a top-level describe assigns `createNestApplication()` to, when nothing in the file closes it. */
function unclosedApp(source: ts.SourceFile): { variable: string; describeBody: ts.Block } | undefined {
  for (const statement of source.statements) {
    if (!ts.isExpressionStatement(statement) || !ts.isCallExpression(statement.expression)) continue;
    const call = statement.expression;
    const callback = call.arguments[1];
    if (!ts.isIdentifier(call.expression) || call.expression.text !== 'describe' || !callback) continue;
    if (
      !(ts.isArrowFunction(callback) || ts.isFunctionExpression(callback)) ||
      !ts.isBlock(callback.body) ||
      callback.body.statements.length === 0
    )
      continue;
    const assignment = findNodes(
      callback.body,
      (n): n is ts.BinaryExpression =>
        ts.isBinaryExpression(n) &&
        n.operatorToken.kind === ts.SyntaxKind.EqualsToken &&
        ts.isIdentifier(n.left) &&
        ts.isCallExpression(n.right) &&
        ts.isPropertyAccessExpression(n.right.expression) &&
        n.right.expression.name.text === 'createNestApplication',
    )[0];
    if (!assignment) continue;
    const variable = (assignment.left as ts.Identifier).text;
    const closes = findNodes(
      source,
      (n): n is ts.CallExpression =>
        ts.isCallExpression(n) &&
        ts.isPropertyAccessExpression(n.expression) &&
        n.expression.name.text === 'close' &&
        n.expression.expression.getText(source) === variable,
    );
    if (closes.length === 0) return { variable, describeBody: callback.body };
  }
  return undefined;
}
