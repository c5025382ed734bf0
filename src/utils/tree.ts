import { Tree } from '@angular-devkit/schematics';

/** The TypeScript sources under a folder of the tree (no specs, declarations or node_modules). */
export function sourceFiles(tree: Tree, folder: string): string[] {
  const files: string[] = [];
  const visit = (dir: string): void => {
    const entry = tree.getDir(dir);
    for (const file of entry.subfiles) {
      if (file.endsWith('.ts') && !file.endsWith('.d.ts') && !/\.(spec|e2e-spec|test)\.ts$/.test(file)) {
        files.push(`${dir === '.' || dir === '' ? '' : `${dir}/`}${file}`);
      }
    }
    for (const sub of entry.subdirs) {
      if (sub !== 'node_modules' && sub !== 'dist' && !sub.startsWith('.')) visit(dir === '.' || dir === '' ? sub : `${dir}/${sub}`);
    }
  };
  visit(folder);
  return files.sort();
}
