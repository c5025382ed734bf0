import { chain, Rule, SchematicContext, SchematicsException, Tree } from '@angular-devkit/schematics';
import { formatWithAppPrettier } from '../utils/format';
import { examine } from './examine';
import { fixes } from './fix';
import { report } from './report';
import { DoctorOptions } from './schema';

/**
 * `doctor`: a read-only audit of the app's request contexts (it never writes, with or without
 * --dry-run), one finding per line as `file:line severity message — fix`, then a summary. With
 * `fix` (`nest g doctor fix`, or --fix), it runs the schematics that fix what is safe to fix:
 * context for handlers, init for a missing or doubled registration.
 */
export function doctor(options: DoctorOptions): Rule {
  return (tree: Tree, ctx: SchematicContext) => {
    if (options.name !== undefined && options.name !== 'fix') {
      throw new SchematicsException(
        `Unknown argument "${options.name}": nest g doctor takes none (read-only audit) or "fix" (apply the safe fixes).`,
      );
    }
    const fix = options.fix === true || options.name === 'fix';
    const exam = examine(tree, options);
    report(exam, ctx);
    return fix ? chain([...fixes(exam, options, ctx), formatWithAppPrettier(options)]) : undefined;
  };
}
