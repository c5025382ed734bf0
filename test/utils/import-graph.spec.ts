import { HostTree } from '@angular-devkit/schematics';
import { parseText } from '../../src/utils/ast';
import { importResolver, reachableFiles } from '../../src/utils/import-graph';

function tree(files: Record<string, string>): HostTree {
  const host = new HostTree();
  for (const [path, text] of Object.entries(files)) host.create(path, text);
  return host;
}

describe('reachableFiles', () => {
  const files = {
    'tsconfig.json': JSON.stringify({
      compilerOptions: { baseUrl: './', paths: { '@app/*': ['libs/*/src'], '@shared': ['libs/shared/index.ts'] } },
    }),
    'src/main.ts': "import { AppModule } from './app.module.js';\nimport { util } from 'src/util';\nconst lazy = () => import('./lazy');\n",
    'src/app.module.ts':
      "import { Core } from '@app/core';\nimport { Shared } from '@shared';\nexport * from './reexported';\nimport { Module } from '@nestjs/common';\n",
    'src/util.ts': 'export const util = 1;\n',
    'src/lazy.ts': 'export const lazy = 1;\n',
    'src/reexported.ts': 'export const x = 1;\n',
    'libs/core/src/index.ts': 'export class Core {}\n',
    'libs/shared/index.ts': 'export class Shared {}\n',
    'src/test-helper.ts': "import { AppModule } from './app.module';\n",
  };
  const host = tree(files);
  const open = (path: string) => (host.exists(path) ? parseText(path, host.readText(path)) : undefined);

  it('follows relative imports (.js suffix included), export-from, dynamic imports, tsconfig paths and baseUrl; not what nothing imports', () => {
    const reached = [...reachableFiles('src/main.ts', open, importResolver(host, 'tsconfig.json'))].sort();
    expect(reached).toEqual([
      'libs/core/src/index.ts',
      'libs/shared/index.ts',
      'src/app.module.ts',
      'src/lazy.ts',
      'src/main.ts',
      'src/reexported.ts',
      'src/util.ts',
    ]);
  });

  it('without baseUrl or paths, only relative imports', () => {
    const bare = tree({ ...files, 'tsconfig.json': '{}' });
    const openBare = (path: string) => (bare.exists(path) ? parseText(path, bare.readText(path)) : undefined);
    const reached = [...reachableFiles('src/main.ts', openBare, importResolver(bare, 'tsconfig.json'))].sort();
    expect(reached).toEqual(['src/app.module.ts', 'src/lazy.ts', 'src/main.ts', 'src/reexported.ts']);
  });
});
