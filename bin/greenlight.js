#!/usr/bin/env node
'use strict';
const { join } = require('node:path');
const { existsSync } = require('node:fs');
const main = join(__dirname, '..', 'dist', 'libs', 'cli', 'src', 'main.js');
if (!existsSync(main)) {
  console.error('greenlight is not built yet: run `npm run build` in ' + join(__dirname, '..'));
  process.exit(1);
}
require(main);
