import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { AppSpec, describeVariant, printSummary, proof } from './support/proof';

/**
 * The proof on the local PostgreSQL (127.0.0.1:5432, user postgres), each build on a database of its
 * own (mrc_proof_<pid>_<n>) that the run creates and drops. Skipped when PostgreSQL is not reachable,
 * unless REQUIRE_POSTGRES=1 (set by .ci/run): then an unreachable server fails the run.
 */
const VARIANTS: AppSpec[] = [
  { fixture: 'nest12', ormMajor: 7, driver: 'postgresql', style: 'middleware' },
  { fixture: 'fastify', ormMajor: 7, driver: 'postgresql', style: 'main' },
  { fixture: 'nest11', ormMajor: 6, driver: 'postgresql', style: 'main' },
];

/** Asked once, synchronously, so that jest knows which blocks to declare. */
function reachable(): { ok: boolean; reason: string } {
  const script =
    "import { postgresReachable } from './scripts/lib/proof/database.ts'; process.stdout.write(JSON.stringify(await postgresReachable()));";
  return JSON.parse(
    execFileSync(process.execPath, ['--input-type=module', '-e', script], {
      cwd: join(__dirname, '..'),
      encoding: 'utf8',
      timeout: 20_000,
    }),
  );
}

const postgres = reachable();
const required = process.env.REQUIRE_POSTGRES === '1';

process.on('exit', () => proof.killAllSync());
afterAll(() => printSummary(`Proof on PostgreSQL ${postgres.reason} (variant | build | check | result):`));

if (postgres.ok) {
  for (const spec of VARIANTS) describeVariant(spec);
} else if (required) {
  it('PostgreSQL is reachable (REQUIRE_POSTGRES=1)', () => {
    throw new Error(`REQUIRE_POSTGRES=1 but ${postgres.reason}: the PostgreSQL proof must run here.`);
  });
} else {
  it.skip(`PostgreSQL proof (not reachable: ${postgres.reason}; REQUIRE_POSTGRES=1 makes this fail)`, () => undefined);
}
