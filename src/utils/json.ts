import { SchematicsException, Tree } from '@angular-devkit/schematics';
import { JSONFile } from '@schematics/angular/utility/json-file';
import { parse, ParseError, printParseErrorCode } from 'jsonc-parser';

export { JSONFile };

/** Reads a JSON-with-comments file, or undefined when it does not exist. Throws, naming the file, when it does not parse. */
export function readJson<T = Record<string, unknown>>(tree: Tree, path: string): T | undefined {
  if (!tree.exists(path)) return undefined;
  const text = tree.readText(path);
  const errors: ParseError[] = [];
  const value = parse(text, errors, { allowTrailingComma: true, disallowComments: false });
  if (errors.length > 0) {
    const first = errors[0];
    throw new SchematicsException(
      `${path} is not valid JSON (${printParseErrorCode(first.error)} at offset ${first.offset}): fix it, then run the schematic again.`,
    );
  }
  return value as T;
}
