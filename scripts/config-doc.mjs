#!/usr/bin/env node
// Writes docs/config.md, the config reference, from the built src/config/reference.ts
// (renderConfigReference), whose rows test/config-doc.test.ts holds to the config schema's keys.
// Run after `npm run build` (or through `npm run config-doc`, which builds first).
import { writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const { renderConfigReference } = await import(join(root, 'dist/config/reference.js'));
writeFileSync(join(root, 'docs/config.md'), renderConfigReference());
console.log('wrote docs/config.md');
