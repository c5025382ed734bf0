import { SchematicsException } from '@angular-devkit/schematics';
import * as pluralize from 'pluralize';

/** One spelling of a word in the three cases generated code needs. */
export interface Spelling {
  /** user-profile: file and folder names, routes */
  kebab: string;
  /** UserProfile: classes */
  pascal: string;
  /** userProfile: variables and properties */
  camel: string;
}

/** The names a feature schematic derives from what the user typed (`users`, `UserProfile`, `admin/users`). */
export interface FeatureNames {
  /** folders typed before the name: `admin` for `admin/users`, '' otherwise */
  directory: string;
  singular: Spelling;
  plural: Spelling;
}

const RESERVED = new Set(
  (
    'break case catch class const continue debugger default delete do else enum export extends false finally for ' +
    'function if import in instanceof new null return super switch this throw true try typeof var void while with ' +
    'yield let static implements interface package private protected public await any boolean number string symbol ' +
    'object constructor module'
  ).split(' '),
);

/** Splits camelCase, PascalCase, snake_case and kebab-case into lower-case words. */
export function words(name: string): string[] {
  return name
    .replace(/([a-z0-9])([A-Z])/g, '$1 $2')
    .replace(/([A-Z]+)([A-Z][a-z])/g, '$1 $2')
    .split(/[\s_\-.]+/)
    .filter(Boolean)
    .map((w) => w.toLowerCase());
}

export function spell(parts: string[]): Spelling {
  const pascal = parts.map((w) => w[0].toUpperCase() + w.slice(1)).join('');
  return { kebab: parts.join('-'), pascal, camel: pascal[0].toLowerCase() + pascal.slice(1) };
}

/**
 * Checks and splits a feature name. Throws a SchematicsException that says what is wrong and
 * what a valid name looks like, before anything is written.
 */
export function featureNames(input: string | undefined, what = 'name'): FeatureNames {
  const raw = (input ?? '').trim();
  const example = `e.g. "users", "user-profile" or "admin/users"`;
  if (!raw) {
    throw new SchematicsException(`A ${what} is required (${example}).`);
  }
  const segments = raw.replace(/\\/g, '/').split('/');
  if (segments.some((s) => s === '' || s === '.' || s === '..')) {
    throw new SchematicsException(`Invalid ${what} "${raw}": it must stay inside the project (${example}).`);
  }
  const last = segments[segments.length - 1];
  if (!/^[A-Za-z][A-Za-z0-9_-]*$/.test(last)) {
    throw new SchematicsException(
      `Invalid ${what} "${raw}": it must start with a letter and contain only letters, digits, "-" and "_" (${example}).`,
    );
  }
  if (segments.slice(0, -1).some((s) => !/^[A-Za-z0-9_-]+$/.test(s))) {
    throw new SchematicsException(`Invalid ${what} "${raw}": folder names may contain only letters, digits, "-" and "_".`);
  }
  const parts = words(last);
  const singularParts = [...parts.slice(0, -1), pluralize.singular(parts[parts.length - 1])];
  const pluralParts = [...parts.slice(0, -1), pluralize.plural(singularParts[singularParts.length - 1])];
  const singular = spell(singularParts);
  const plural = spell(pluralParts);
  for (const s of [singular, plural]) {
    if (RESERVED.has(s.camel)) {
      throw new SchematicsException(
        `Invalid ${what} "${raw}": "${s.camel}" is a reserved word in TypeScript and cannot name a class or variable.`,
      );
    }
  }
  return {
    directory: segments
      .slice(0, -1)
      .map((s) => spell(words(s)).kebab)
      .join('/'),
    singular,
    plural,
  };
}

/** `UserProfile` → `userProfile`: a class name as a variable or property name. */
export function lowerFirst(name: string): string {
  return name[0].toLowerCase() + name.slice(1);
}
