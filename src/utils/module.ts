import * as ts from 'typescript';
import { arrayPropertyInsertion, classesWithDecorator, decoratorArgument, importInsertion, Insertion, lineIndent } from './ast';
import { SourceStyle } from './source-style';

/** A Nest module class and its metadata object (`@Module({...})`). */
export interface ModuleClass {
  node: ts.ClassDeclaration;
  name: string;
  metadata?: ts.ObjectLiteralExpression;
}

export function findModuleClass(source: ts.SourceFile, name?: string): ModuleClass | undefined {
  const classes = classesWithDecorator(source, 'Module');
  const node = name ? classes.find((c) => c.name?.text === name) : classes[0];
  if (!node?.name) return undefined;
  return { node, name: node.name.text, metadata: decoratorArgument(node, 'Module')?.object };
}

/**
 * Insertions that list `element` in the module's `property` array (imports, providers, exports…)
 * and import `importName` from `from`. Empty when it is already listed.
 */
export function moduleArrayInsertions(
  source: ts.SourceFile,
  style: SourceStyle,
  module: ModuleClass,
  property: 'imports' | 'providers' | 'exports' | 'controllers',
  element: string,
  imports: { names: string[]; from: string }[],
  position: 'first' | 'last' = 'last',
): Insertion[] {
  if (!module.metadata) return [];
  const entry = arrayPropertyInsertion(source, style, module.metadata, property, element, position);
  if (!entry) return [];
  return [entry, ...imports.map((i) => importInsertion(source, style, i.names, i.from)).filter((i): i is Insertion => !!i)];
}

/**
 * Insertions that apply a middleware class to every route in the module's configure(): the call is
 * put first in an existing configure(), or a configure() is added with `implements NestModule`.
 */
export function middlewareInsertions(
  source: ts.SourceFile,
  style: SourceStyle,
  module: ModuleClass,
  middleware: string,
  routes: string,
): Insertion[] {
  const cls = module.node;
  const q = style.quote;
  const semi = style.semicolon ? ';' : '';
  const configure = cls.members.find((m): m is ts.MethodDeclaration => ts.isMethodDeclaration(m) && m.name.getText(source) === 'configure');
  if (configure?.body) {
    const param = configure.parameters[0]?.name.getText(source) ?? 'consumer';
    const body = configure.body;
    const first = body.statements[0];
    const indent = first ? lineIndent(source, first) : lineIndent(source, configure) + style.indent;
    const call = `${param}.apply(${middleware}).forRoutes(${q}${routes}${q})${semi}`;
    return [{ pos: body.getStart(source) + 1, text: `${style.eol}${indent}${call}` }];
  }
  const insertions: Insertion[] = [];
  const memberIndent = cls.members[0] ? lineIndent(source, cls.members[0]) : lineIndent(source, cls) + style.indent;
  const method = [
    `configure(consumer: MiddlewareConsumer): void {`,
    `${style.indent}// One MikroORM request context per request, before the other middleware.`,
    `${style.indent}consumer.apply(${middleware}).forRoutes(${q}${routes}${q})${semi}`,
    `}`,
  ]
    .map((line) => memberIndent + line)
    .join(style.eol);
  const closing = cls.getEnd() - 1;
  const beforeClosing = source.text.slice(cls.members.end, closing);
  const lastLineIndent = lineIndent(source, cls);
  insertions.push(
    cls.members.length === 0
      ? {
          pos: closing,
          text: `${beforeClosing.includes('\n') ? '' : style.eol}${method}${style.eol}${beforeClosing.includes('\n') ? '' : lastLineIndent}`,
        }
      : { pos: cls.members.end, text: `${style.eol}${style.eol}${method}` },
  );
  const heritage = cls.heritageClauses?.find((h) => h.token === ts.SyntaxKind.ImplementsKeyword);
  if (heritage) {
    if (!heritage.types.some((t) => t.getText(source) === 'NestModule')) {
      insertions.push({ pos: heritage.types.end, text: ', NestModule' });
    }
  } else {
    const after = cls.typeParameters?.end ?? cls.heritageClauses?.[0]?.end ?? cls.name!.getEnd();
    insertions.push({ pos: after, text: ' implements NestModule' });
  }
  const common = importInsertion(source, style, ['MiddlewareConsumer', 'NestModule'], '@nestjs/common');
  if (common) insertions.push(common);
  return insertions;
}
