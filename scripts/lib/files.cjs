'use strict';
// One way to list the files of an app folder, shared by the proof harness, the bench and the tests.
const { readdirSync, statSync } = require('node:fs');
const { join, relative } = require('node:path');

/** node_modules and build output are no part of an app's own files. */
const NOT_THE_APPS = (name) => name === 'node_modules' || name === 'dist';

/**
 * Every file below `root`, depth first in directory order, as a path relative to it with `/`
 * separators. An entry (file or folder) whose name `skip` accepts is left out with all it holds.
 * @param {string} root
 * @param {(name: string) => boolean} [skip]
 * @returns {string[]}
 */
function listFiles(root, skip = NOT_THE_APPS) {
  const out = [];
  const visit = (dir) => {
    for (const entry of readdirSync(dir)) {
      if (skip(entry)) continue;
      const full = join(dir, entry);
      if (statSync(full).isDirectory()) visit(full);
      else out.push(relative(root, full).split('\\').join('/'));
    }
  };
  visit(root);
  return out;
}

module.exports = { listFiles };
