// The devkit's package-install task requires `ora` (an ESM-only spinner) when the testing module
// loads. Unit tests never run install tasks, so Jest gets this silent spinner instead.
const spinner = () => ({ start: () => spinner(), stop: () => spinner(), succeed: () => spinner(), fail: () => spinner() });
module.exports = spinner;
module.exports.default = spinner;
