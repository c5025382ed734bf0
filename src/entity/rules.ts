import { Rule, SchematicContext } from '@angular-devkit/schematics';
import * as ts from 'typescript';
import { applyInsertions, importInsertion, Insertion, lineIndent, parseSource } from '../utils/ast';
import { renderFiles } from '../utils/files';
import { migrationCommands } from '../utils/migrations';
import { entityRegistrationInsertions, isConfigFile } from '../utils/orm-config';
import { detectSourceStyle, quoted } from '../utils/source-style';
import { EntityCode, entityCode } from './entity-code';
import { formatFields } from './fields';
import { EntityPlan } from './plan';

const TEMPLATES = '../../templates/entity';

/** The rules that create the entity, its inverse sides, and register it: shared with repository and resource. */
export function entityRules(plan: EntityPlan): Rule[] {
  if (!plan.create) return [registerEntity(plan)];
  return [renderEntity(plan), addInverseSides(plan), registerEntity(plan)];
}

function renderEntity(plan: EntityPlan): Rule {
  const { feature, model } = plan;
  const code = entityCode({
    className: model.className,
    fields: plan.fields,
    mappedBy: plan.mappedBy,
    tokens: plan.targetTokens,
    deleteRule: plan.deleteRule,
  });
  return renderFiles({
    from: `${TEMPLATES}/${plan.definition}`,
    to: feature.folder,
    force: feature.force,
    values: {
      entityFile: feature.names.singular.kebab,
      className: model.className,
      schema: `${model.className}Schema`,
      ormMajor: feature.ormMajor,
      pk: plan.pk,
      timestamps: plan.timestamps,
      code,
      customRepository: model.customRepository,
      imports: entityImports(plan, code),
    },
  });
}

/** The import lines of a new entity file: node:crypto, MikroORM, the related entities, the custom repository. */
export function entityImports(plan: EntityPlan, code: EntityCode): string[] {
  const { feature, model } = plan;
  const lines: string[] = [];
  const named = (names: string[]) => [...new Set(names)].sort((a, b) => a.replace(/^type /, '').localeCompare(b.replace(/^type /, '')));
  if (plan.pk === 'uuid') lines.push(`import { randomUUID } from 'node:crypto';`);
  if (plan.definition === 'define-entity') {
    const core = ['defineEntity', 'p', ...(feature.ormMajor === 6 ? ['type InferEntity'] : [])];
    lines.push(`import { ${named(core).join(', ')} } from '@mikro-orm/core';`);
  } else {
    const core = [
      ...code.core.filter((n) => n !== 'type Opt' || plan.timestamps),
      ...(model.customRepository ? ['EntityRepositoryType'] : []),
    ];
    if (feature.ormMajor === 6) {
      lines.push(`import { ${named([...core, ...code.decorators]).join(', ')} } from '@mikro-orm/core';`);
    } else {
      const typesOnly = core.every((n) => n.startsWith('type '));
      if (core.length > 0 && typesOnly)
        lines.push(
          `import type { ${named(core)
            .map((n) => n.slice(5))
            .join(', ')} } from '@mikro-orm/core';`,
        );
      else if (core.length > 0) lines.push(`import { ${named(core).join(', ')} } from '@mikro-orm/core';`);
      lines.push(`import { ${named(code.decorators).join(', ')} } from '${feature.decoratorsPackage}';`);
    }
  }
  for (const target of code.targets) {
    lines.push(
      `import { ${plan.targetTokens.get(target) ?? target} } from '${feature.importPath(model.path, plan.entityFiles.get(target)!)}';`,
    );
  }
  if (model.customRepository) {
    lines.push(`import { ${model.customRepository} } from './${feature.names.singular.kebab}.repository${feature.profile.importSuffix}';`);
  }
  return lines;
}

/** `@ManyToOne(() => User) user!: Rel<User>;` in each entity a new `posts:Post[]` field maps. */
function addInverseSides(plan: EntityPlan): Rule {
  return (tree) => {
    for (const side of plan.inverseSides) {
      const source = parseSource(tree, side.path);
      const style = detectSourceStyle(source);
      const node = source.statements.find((s): s is ts.ClassDeclaration => ts.isClassDeclaration(s) && s.name?.text === side.className)!;
      if (node.members.some((m) => m.name && ts.isIdentifier(m.name) && m.name.text === side.property)) continue;
      const owner = plan.model.className;
      const firstProperty = node.members.find(ts.isPropertyDeclaration);
      const indent = firstProperty ? lineIndent(source, firstProperty) : lineIndent(source, node) + style.indent;
      const semi = style.semicolon ? ';' : '';
      // After the last persistent property, before createdAt/updatedAt.
      const lastPersistent = [...node.members]
        .reverse()
        .find(
          (m) =>
            ts.isPropertyDeclaration(m) &&
            (ts.getDecorators(m) ?? []).length > 0 &&
            !['createdAt', 'updatedAt'].includes(m.name.getText(source)),
        );
      const anchor = lastPersistent ?? node.members[node.members.length - 1];
      // Nullable: the rows and the code that already exist keep working without it.
      const options = `{ nullable: true, deleteRule: ${quoted(plan.deleteRule, style)} }`;
      const block = `${style.eol}${style.eol}${indent}@ManyToOne(() => ${owner}, ${options})${style.eol}${indent}${side.property}?: Rel<${owner}>${semi}`;
      const insertions: Insertion[] = [
        anchor ? { pos: anchor.getEnd(), text: block } : { pos: node.members.end, text: block.slice(style.eol.length) },
      ];
      const decorators = importInsertion(source, style, ['ManyToOne'], plan.feature.decoratorsPackage);
      const rel = importInsertion(source, style, ['type Rel'], '@mikro-orm/core');
      const ownerImport = importInsertion(source, style, [owner], plan.feature.importPath(side.path, plan.model.path));
      for (const insertion of [decorators, hasImported(source, 'Rel') ? undefined : rel, ownerImport])
        if (insertion) insertions.push(insertion);
      applyInsertions(tree, side.path, insertions);
    }
  };
}

function hasImported(source: ts.SourceFile, name: string): boolean {
  return source.statements.some(
    (s) =>
      ts.isImportDeclaration(s) &&
      !!s.importClause?.namedBindings &&
      ts.isNamedImports(s.importClause.namedBindings) &&
      s.importClause.namedBindings.elements.some((e) => e.name.text === name),
  );
}

/** Lists the entity in `entities: [...]` of the app's MikroORM options (nothing to do with globs or autoLoadEntities). */
export function registerEntity(plan: EntityPlan): Rule {
  return (tree, context) => {
    const { discovery } = plan;
    if (discovery.kind === 'automatic') {
      context.logger.info(`${discovery.path} discovers entities through ${discovery.how}: ${plan.model.className} needs no registration.`);
      return;
    }
    if (discovery.kind === 'unknown') {
      context.logger.warn(
        `Could not find the app's MikroORM entities list (no mikro-orm.config.ts, no MikroOrmModule.forRoot options): add ${plan.model.token} to it yourself.`,
      );
      return;
    }
    const from = plan.feature.importPath(discovery.path, plan.model.path);
    const isConfig = isConfigFile(tree, plan.feature.project, discovery.path);
    applyInsertions(tree, discovery.path, entityRegistrationInsertions(tree, discovery.path, isConfig, plan.model.token, from));
  };
}

export function reportEntity(plan: EntityPlan, context: SchematicContext): Rule {
  return (tree) => {
    const log = context.logger;
    if (plan.defaultsUsed.length > 0) {
      const options = plan.defaultsUsed.map((d) => `--${d.split('=')[0]}`).join(', ');
      const prompt = plan.defaultsUsed.some((d) => d.startsWith('fields=')) ? '; in a terminal, nest g entity asks for the fields' : '';
      log.info(`Using defaults: ${plan.defaultsUsed.join(', ')} (choose with ${options}${prompt}).`);
    }
    if (plan.create) {
      log.info(
        `Entity ${plan.model.className} (${plan.model.path}): id (${plan.pk})${plan.fields.map((f) => `, ${formatFields([f])}`).join('')}${plan.timestamps ? ', createdAt, updatedAt' : ''}.`,
      );
      log.info(`Schema: ${plan.model.className}'s table is new. Next: ${migrationCommands(tree, plan.feature.project.packageJson)}.`);
    }
    for (const note of plan.notes) log.info(note);
  };
}
