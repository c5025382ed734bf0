import * as ts from 'typescript';
import { parseText } from '../../src/utils/ast';
import { Bootstrap, fastifyAdapterSite, findBootstrap } from '../../src/utils/bootstrap';

function bootstrapOf(body: string): { source: ts.SourceFile; bootstrap: Bootstrap } {
  const source = parseText(
    'main.ts',
    "import { NestFactory } from '@nestjs/core';\nimport { FastifyAdapter } from '@nestjs/platform-fastify';\n" +
      `async function bootstrap() {\n${body}\n}\n`,
  );
  const bootstrap = findBootstrap(source);
  if ('kind' in bootstrap) throw new Error('no create call');
  return { source, bootstrap };
}

describe('findBootstrap', () => {
  it('finds the create call, the app variable, the statement to follow and the adapter', () => {
    const { source, bootstrap } = bootstrapOf(
      '  const server = await NestFactory.create(AppModule, new FastifyAdapter());\n  await server.listen(3000);',
    );
    expect(bootstrap.appVariable).toBe('server');
    expect(bootstrap.statement!.getText(source)).toBe('const server = await NestFactory.create(AppModule, new FastifyAdapter());');
    expect(bootstrap.adapter).toBe('fastify');
    expect(bootstrap.rootModule).toBe('AppModule');
  });

  it('says which NestFactory calls there are when none is create', () => {
    const source = parseText('main.ts', 'const app = await NestFactory.createApplicationContext(AppModule);\n');
    expect(findBootstrap(source)).toEqual({ kind: 'no-create', others: ['createApplicationContext'] });
  });
});

describe('fastifyAdapterSite: where a hook can go on the adapter before create', () => {
  it('new FastifyAdapter(...) in the call: moved into a variable named adapter', () => {
    const { source, bootstrap } = bootstrapOf('  const app = await NestFactory.create(AppModule, new FastifyAdapter({ logger: false }));');
    const site = fastifyAdapterSite(source, bootstrap);
    expect(site?.kind).toBe('inline');
    expect(site?.name).toBe('adapter');
    expect(site?.kind === 'inline' && site.expression.getText(source)).toBe('new FastifyAdapter({ logger: false })');
  });

  it('a name already used in the file: fastifyAdapter, then none at all', () => {
    const one = bootstrapOf('  const adapter = 1;\n  const app = await NestFactory.create(AppModule, new FastifyAdapter());');
    expect(fastifyAdapterSite(one.source, one.bootstrap)?.name).toBe('fastifyAdapter');
    const both = bootstrapOf(
      '  const adapter = 1, fastifyAdapter = 2;\n  const app = await NestFactory.create(AppModule, new FastifyAdapter());',
    );
    expect(fastifyAdapterSite(both.source, both.bootstrap)).toBeUndefined();
  });

  it('a variable declared with new FastifyAdapter(...) earlier in the same block', () => {
    const { source, bootstrap } = bootstrapOf(
      '  const fastify = new FastifyAdapter();\n  const app = await NestFactory.create(AppModule, fastify);',
    );
    expect(fastifyAdapterSite(source, bootstrap)).toEqual({ kind: 'variable', name: 'fastify' });
  });

  it('a create statement at the top level of an ES module', () => {
    const source = parseText(
      'main.ts',
      'const fastify = new FastifyAdapter();\nconst app = await NestFactory.create(AppModule, fastify);\n',
    );
    const bootstrap = findBootstrap(source) as Bootstrap;
    expect(fastifyAdapterSite(source, bootstrap)).toEqual({ kind: 'variable', name: 'fastify' });
  });

  it('nothing for an adapter built elsewhere, declared later, or without an adapter argument', () => {
    const cases = [
      '  const app = await NestFactory.create(AppModule, makeAdapter());',
      '  const app = await NestFactory.create(AppModule, shared);',
      '  const app = await NestFactory.create(AppModule);',
      '  const fastify = makeAdapter();\n  const app = await NestFactory.create(AppModule, fastify);',
    ];
    for (const body of cases) {
      const { source, bootstrap } = bootstrapOf(body);
      expect(fastifyAdapterSite(source, bootstrap)).toBeUndefined();
    }
  });
});
