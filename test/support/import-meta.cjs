// A ts-jest AST transformer: Jest runs the TypeScript it loads as CommonJS, where `import.meta` does
// not exist. The harness under scripts/ is ES modules that Node runs as they are, and asks
// `import.meta` where it lives; this gives it the CommonJS answer to the same question.
//   import.meta.dirname  -> __dirname
//   import.meta.filename -> __filename
//   import.meta.url      -> require('node:url').pathToFileURL(__filename).href
const name = 'mikro-request-context-import-meta';
const version = '1';

function factory({ configSet }) {
  const ts = configSet.compilerModule;
  const f = ts.factory;
  const replacement = (property) => {
    if (property === 'dirname') return f.createIdentifier('__dirname');
    if (property === 'filename') return f.createIdentifier('__filename');
    if (property === 'url') {
      const url = f.createCallExpression(f.createIdentifier('require'), undefined, [f.createStringLiteral('node:url')]);
      const toUrl = f.createCallExpression(f.createPropertyAccessExpression(url, 'pathToFileURL'), undefined, [
        f.createIdentifier('__filename'),
      ]);
      return f.createPropertyAccessExpression(toUrl, 'href');
    }
    return undefined;
  };
  return (context) => (sourceFile) => {
    const visit = (node) => {
      if (
        ts.isPropertyAccessExpression(node) &&
        ts.isMetaProperty(node.expression) &&
        node.expression.keywordToken === ts.SyntaxKind.ImportKeyword
      ) {
        const replaced = replacement(node.name.text);
        if (replaced) return replaced;
      }
      return ts.visitEachChild(node, visit, context);
    };
    return ts.visitNode(sourceFile, visit);
  };
}

module.exports = { name, version, factory };
