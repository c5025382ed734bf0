import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/** This package's own name and version, read from its package.json (two folders above every compiled file). */
export function ownPackage(): { name: string; version: string } {
  return JSON.parse(readFileSync(join(__dirname, '..', '..', 'package.json'), 'utf8')) as { name: string; version: string };
}
