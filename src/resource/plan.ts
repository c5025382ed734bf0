import { Tree } from '@angular-devkit/schematics';
import { planRepository, RepositoryPlan } from '../repository/plan';
import { isEmailName } from '../repository/samples';
import { compilerOption } from '../utils/app-profile';
import { SETUP_FILE, SETUP_FUNCTION } from '../utils/bootstrap';
import { DataProperty } from '../utils/entities';
import { FeaturePlan } from '../utils/feature';
import { testFolder } from '../utils/testing';
import { ResourceOptions } from './schema';

export interface ResourcePlan {
  repository: RepositoryPlan;
  values: Record<string, unknown>;
  e2ePath: string;
  /** the e2e spec can be generated (sample data without a cycle of required relations) */
  e2e: boolean;
  validated: boolean;
}

export function planResource(tree: Tree, options: ResourceOptions): ResourcePlan {
  const repository = planRepository(tree, options, (feature) => {
    const local = (file: string) => `./${file}${feature.profile.importSuffix}`;
    const plural = feature.names.plural;
    return [
      {
        property: 'controllers',
        element: `${plural.pascal}Controller`,
        key: `${plural.pascal}Controller`,
        imports: [{ names: [`${plural.pascal}Controller`], from: local(`${plural.kebab}.controller`) }],
      },
      {
        property: 'providers',
        element: `${plural.pascal}Service`,
        key: `${plural.pascal}Service`,
        imports: [{ names: [`${plural.pascal}Service`], from: local(`${plural.kebab}.service`) }],
      },
    ];
  });
  const { feature, entity } = repository;
  const model = entity.model;
  const validated = feature.profile.hasDependency('class-validator');
  const e2ePath = `${testFolder(feature.project)}/${[feature.names.directory.replace(/\//g, '-'), feature.names.plural.kebab].filter(Boolean).join('-')}.e2e-spec.ts`;
  const pk = model.pk;
  // init's setupApp (the pipes and filters main.ts applies), which the e2e spec applies too.
  const setupPath = `${feature.project.sourceRoot}/${SETUP_FILE}`;
  const pkPipe = pk.kind === 'int' ? 'ParseIntPipe' : pk.kind === 'uuid' ? 'ParseUUIDPipe' : undefined;
  const commonNames = [
    'Body',
    'Controller',
    'DefaultValuePipe',
    'Delete',
    'Get',
    'HttpCode',
    'Param',
    'ParseIntPipe',
    'Patch',
    'Post',
    'Query',
    ...(pkPipe ? [pkPipe] : []),
  ];
  const dto = dtoParts(feature, model.data, model.className, validated, `${feature.folder}/dto/x.ts`, repository);
  const values = {
    ...repository.values,
    controllerClass: `${feature.names.plural.pascal}Controller`,
    serviceClass: `${feature.names.plural.pascal}Service`,
    serviceField: `${feature.names.plural.camel}Service`,
    route: [feature.names.directory, feature.names.plural.kebab].filter(Boolean).join('/'),
    controllerImports: [...new Set(commonNames)].sort().join(', '),
    pkParam: (name: string) => (pkPipe ? `@Param('${name}', ${pkPipe})` : `@Param('${name}')`),
    validated,
    fastify: feature.profile.platform === 'fastify',
    requiredField: model.data.some((p) => !p.optional),
    dto,
    e2e: {
      // Without esModuleInterop a CommonJS app cannot call supertest's default import at runtime.
      supertestImport:
        feature.profile.esm || compilerOption(tree, feature.project.tsconfig, 'esModuleInterop') === true
          ? `import request from 'supertest';`
          : `import * as request from 'supertest';`,
      db: repository.testDatabase(e2ePath),
      imports: [`import { ${repository.module.className} } from '${feature.importPath(e2ePath, repository.module.path)}';`],
      setupImport: tree.exists(setupPath) ? `import { ${SETUP_FUNCTION} } from '${feature.importPath(e2ePath, setupPath)}';` : undefined,
    },
  };
  return { repository, values, e2ePath, e2e: feature.spec && !!repository.sample, validated };
}

/** class-validator decorators per kind of property, and the type a JSON body carries. */
const VALIDATORS: Record<DataProperty['kind'], { decorator: (p: DataProperty) => string; names: string[] }> = {
  // An e-mail address only where the name says so (`email`, `contactEmail`): other strings stay free text.
  string: { decorator: (p) => (isEmailName(p.name) ? '@IsEmail()' : '@IsString()'), names: [] },
  uuid: { decorator: () => '@IsUUID()', names: ['IsUUID'] },
  integer: { decorator: () => '@IsInt()', names: ['IsInt'] },
  float: { decorator: () => '@IsNumber()', names: ['IsNumber'] },
  boolean: { decorator: () => '@IsBoolean()', names: ['IsBoolean'] },
  date: { decorator: () => '@IsDateString()', names: ['IsDateString'] },
  json: { decorator: () => '@IsObject()', names: ['IsObject'] },
  enum: { decorator: (p) => `@IsEnum(${p.enumName})`, names: ['IsEnum'] },
  relation: { decorator: (p) => (p.ts === 'number' ? '@IsInt()' : '@IsUUID()'), names: [] },
};

function dtoParts(
  feature: FeaturePlan,
  data: DataProperty[],
  className: string,
  validated: boolean,
  from: string,
  repository: RepositoryPlan,
) {
  const validatorNames = new Set<string>();
  const enums = new Set<string>();
  const properties = data.map((p) => {
    const bodyType = p.kind === 'date' ? 'string' : p.ts;
    const nullable = p.nullable ? ' | null' : '';
    const rule = VALIDATORS[p.kind];
    const decorator = rule.decorator(p);
    if (p.enumName) enums.add(p.enumName);
    const base = validated ? [decorator] : [];
    if (validated) {
      for (const name of rule.names) validatorNames.add(name);
      if (p.kind === 'relation') validatorNames.add(p.ts === 'number' ? 'IsInt' : 'IsUUID');
      if (p.kind === 'string') validatorNames.add(isEmailName(p.name) ? 'IsEmail' : 'IsString');
      if (p.optional) validatorNames.add('IsOptional');
    }
    return {
      decorators: validated && p.optional ? ['@IsOptional()', ...base] : base,
      declaration: `${p.name}${p.optional ? '?' : '!'}: ${bodyType}${nullable};`,
      updateDecorators: validated ? ['@IsOptional()', ...base] : [],
      updateDeclaration: `${p.name}?: ${bodyType}${nullable};`,
    };
  });
  if (validated && data.length > 0) validatorNames.add('IsOptional');
  const dataFrom = feature.importPath(from, repository.pattern === 'custom' ? repository.files.custom : repository.files.port);
  const entityFrom = feature.importPath(from, repository.entity.model.path);
  const lines = (kind: 'Create' | 'Update', names: string[]) => [
    ...(validated && names.length > 0 ? [`import { ${[...names].sort().join(', ')} } from 'class-validator';`] : []),
    ...(enums.size > 0 ? [`import { ${[...enums].sort().join(', ')} } from '${entityFrom}';`] : []),
    `import { ${kind}${className}Data } from '${dataFrom}';`,
  ];
  const createNames = [...validatorNames].filter((n) => n !== 'IsOptional' || data.some((p) => p.optional));
  // PartialType keeps the create DTO's rules; skipNullProperties: false checks a null like any other
  // value, so `{ "name": null }` is a 400 while a nullable field (@IsOptional) still takes null.
  const partial = validated && feature.profile.hasDependency('@nestjs/mapped-types');
  return {
    validated,
    partial,
    properties,
    createImports: lines('Create', createNames),
    updateImports: partial
      ? [
          `import { PartialType } from '@nestjs/mapped-types';`,
          `import { Create${className}Dto } from './create-${feature.names.singular.kebab}.dto${feature.profile.importSuffix}';`,
          `import { Update${className}Data } from '${dataFrom}';`,
        ]
      : lines('Update', [...validatorNames]),
  };
}
