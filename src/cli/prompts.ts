import { JsonValue, logging, schema } from '@angular-devkit/core';
import { dirname } from 'node:path';
import { pathToFileURL } from 'node:url';

/** The functions of @inquirer/prompts the x-prompts need (the package the Nest CLI prompts with). */
interface Inquirer {
  select(config: { message: string; choices: { name: string; value: unknown }[]; default?: unknown }): Promise<unknown>;
  checkbox(config: { message: string; choices: { name: string; value: unknown; checked?: boolean }[] }): Promise<unknown[]>;
  confirm(config: { message: string; default?: boolean }): Promise<boolean>;
  input(config: { message: string; default?: string; validate?: (value: string) => Promise<boolean | string> }): Promise<string>;
}

/**
 * Where @inquirer/prompts can be found: the app (npm and yarn hoist it from @nestjs/cli), next to
 * the app's @nestjs/cli (pnpm keeps it there), or next to this package. Not a dependency of ours:
 * a Nest app has it through @nestjs/cli.
 */
export function findInquirer(appRoot: string): string | undefined {
  const bases = [appRoot];
  try {
    bases.push(dirname(require.resolve('@nestjs/cli/package.json', { paths: [appRoot] })));
  } catch {
    // no @nestjs/cli in the app
  }
  bases.push(__dirname);
  for (const base of bases) {
    try {
      return require.resolve('@inquirer/prompts', { paths: [base] });
    } catch {
      // try the next place
    }
  }
  return undefined;
}

/**
 * The devkit's prompt provider for x-prompt: a list becomes a select (or checkbox), a confirmation
 * a yes/no question, an input a line of text validated against the schema. Without
 * @inquirer/prompts it says so and the options keep their defaults.
 */
export function promptProvider(appRoot: string, logger: logging.Logger): schema.PromptProvider {
  return async (definitions) => {
    const answers: Record<string, JsonValue> = {};
    if (definitions.length === 0) return answers;
    const path = findInquirer(appRoot);
    if (!path) {
      logger.warn(
        `Cannot ask for ${definitions.map((d) => d.id.replace(/^\//, '')).join(', ')}: @inquirer/prompts (installed with @nestjs/cli) is not in this app. ` +
          'The defaults apply; pass the options as flags to choose.',
      );
      return answers;
    }
    const prompts = (await import(pathToFileURL(path).href)) as Inquirer;
    for (const definition of definitions) {
      const answer = await ask(prompts, definition);
      if (answer !== undefined) answers[definition.id] = answer;
    }
    return answers;
  };
}

async function ask(prompts: Inquirer, definition: schema.PromptDefinition): Promise<JsonValue | undefined> {
  const items = (definition.items ?? []).map((item) =>
    typeof item === 'string' ? { name: item, value: item as JsonValue } : { name: item.label, value: item.value },
  );
  switch (definition.type) {
    case 'list': {
      if (items.length === 0) return undefined;
      if (definition.multiselect) {
        const chosen = Array.isArray(definition.default) ? (definition.default as JsonValue[]) : [];
        return (await prompts.checkbox({
          message: definition.message,
          choices: items.map((item) => ({ ...item, checked: chosen.includes(item.value) })),
        })) as JsonValue;
      }
      return (await prompts.select({ message: definition.message, choices: items, default: definition.default ?? undefined })) as JsonValue;
    }
    case 'confirmation':
      return prompts.confirm({
        message: definition.message,
        default: typeof definition.default === 'boolean' ? definition.default : undefined,
      });
    default: {
      let typed: JsonValue | undefined;
      const text = await prompts.input({
        message: definition.message,
        default: definition.default === undefined || definition.default === null ? undefined : String(definition.default),
        validate: async (value) => {
          let last: boolean | string = true;
          for (const type of definition.propertyTypes.size ? definition.propertyTypes : new Set(['string'])) {
            const candidate: JsonValue = type === 'number' || type === 'integer' ? Number(value) : value;
            last = definition.validator ? await definition.validator(candidate) : true;
            if (last === true) {
              typed = candidate;
              return true;
            }
          }
          return last;
        },
      });
      return typed ?? text;
    }
  }
}
