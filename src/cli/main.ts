#!/usr/bin/env node
// The `mikro-request-context` bin (npx mikro-request-context …): see run.ts and docs/cli.md.
import { run } from './run';

run(process.argv.slice(2)).then((code) => {
  process.exitCode = code;
});
