import { findNodeAtLocation, Node as JsonNode, parseTree } from 'jsonc-parser';
import { majorOf, ORM_RELEASES } from '../../utils/versions';
import { DoctorInput, Finding, Severity } from './finding';

/** Which @mikro-orm/nestjs major works with which MikroORM and Nest majors (its peerDependencies). */
export const NESTJS_SUPPORT: Record<number, { orm: number; nest: number[] }> = {
  7: { orm: 7, nest: [11, 12] },
  6: { orm: 6, nest: [10, 11] },
  5: { orm: 5, nest: [8, 9, 10] },
};

/**
 * @mikro-orm/* packages versioned on a line of their own rather than released with @mikro-orm/core, so
 * the "same major / same version as core" checks leave them out: the CLI query highlighters, whose
 * only line is 1.x (sql-highlighter 1.0.1, mongo-highlighter 1.0.0 while core is at 7), and
 * @mikro-orm/nestjs, whose releases follow the MikroORM major but not its versions (NESTJS_SUPPORT
 * checks it instead).
 */
export const OWN_VERSION_LINE: ReadonlySet<string> = new Set([
  '@mikro-orm/nestjs',
  '@mikro-orm/sql-highlighter',
  '@mikro-orm/mongo-highlighter',
]);

/** MikroORM packages of one version, @mikro-orm/nestjs made for that major, and a Nest major it supports. */
export function versionsRule(input: DoctorInput): Finding[] {
  if (!input.packageJson) return [];
  const { path, text } = input.packageJson;
  const tree = parseTree(text);
  if (!tree) return [];
  const entries = new Map<string, { version: string; node: JsonNode }>();
  for (const section of ['devDependencies', 'dependencies']) {
    const node = findNodeAtLocation(tree, [section]);
    for (const property of node?.children ?? []) {
      const [key, value] = property.children ?? [];
      if (key && value && typeof value.value === 'string') entries.set(String(key.value), { version: value.value, node: property });
    }
  }
  const lineAt = (node: JsonNode) => text.slice(0, node.offset).split('\n').length;
  const finding = (name: string, severity: Severity, message: string, fix: string): Finding => ({
    file: path,
    line: lineAt(entries.get(name)!.node),
    severity,
    rule: 'versions',
    message,
    fix,
  });
  const findings: Finding[] = [];
  const core = entries.get('@mikro-orm/core');
  const coreMajor = majorOf(core?.version);
  const nestjs = entries.get('@mikro-orm/nestjs');
  const nestMajor = majorOf(entries.get('@nestjs/core')?.version);
  const release = (major: number | undefined) => (major && major in ORM_RELEASES ? ORM_RELEASES[major as 6 | 7] : undefined);
  if (nestjs) {
    const support = NESTJS_SUPPORT[majorOf(nestjs.version) ?? -1];
    if (support && coreMajor !== undefined && support.orm !== coreMajor) {
      const good = release(coreMajor);
      findings.push(
        finding(
          '@mikro-orm/nestjs',
          'error',
          `@mikro-orm/nestjs ${nestjs.version} is made for MikroORM ${support.orm}, but @mikro-orm/core is ${core!.version}`,
          good
            ? `use @mikro-orm/nestjs ${good.nestjs} with MikroORM ${good.orm}`
            : `use the @mikro-orm/nestjs major that matches MikroORM ${coreMajor}`,
        ),
      );
    } else if (support && nestMajor !== undefined && !support.nest.includes(nestMajor)) {
      const fitting = Object.entries(NESTJS_SUPPORT).find(([, s]) => s.nest.includes(nestMajor));
      const good = fitting ? release(Number(fitting[0])) : undefined;
      findings.push(
        finding(
          '@mikro-orm/nestjs',
          'error',
          `@mikro-orm/nestjs ${nestjs.version} supports Nest ${support.nest.join(' and ')}, but this app has Nest ${nestMajor}`,
          good
            ? `Nest ${nestMajor} needs @mikro-orm/nestjs ${good.nestjs} with MikroORM ${good.orm} (every @mikro-orm/* package)`
            : `use a Nest major that @mikro-orm/nestjs supports`,
        ),
      );
    }
  }
  if (core) {
    const bare = (v: string) => v.replace(/^[\^~=v]+/, '');
    for (const [name, entry] of entries) {
      if (!name.startsWith('@mikro-orm/') || name === '@mikro-orm/core' || OWN_VERSION_LINE.has(name)) continue;
      if (majorOf(entry.version) !== coreMajor) {
        findings.push(
          finding(
            name,
            'error',
            `${name} ${entry.version} is not the MikroORM major of @mikro-orm/core ${core.version}: two cores get loaded, and entities of one are unknown to the other`,
            `use ${name} ${bare(core.version)}, the version of @mikro-orm/core`,
          ),
        );
      } else if (bare(entry.version) !== bare(core.version)) {
        findings.push(
          finding(
            name,
            'warning',
            `${name} ${entry.version} and @mikro-orm/core ${core.version} differ: MikroORM releases its packages together, and a driver peers one exact core (npm fails with ERESOLVE, or installs two cores)`,
            `pin every @mikro-orm/* package to one version (${bare(core.version)}), except those versioned on their own line (${[...OWN_VERSION_LINE].join(', ')})`,
          ),
        );
      }
    }
  }
  return findings;
}
