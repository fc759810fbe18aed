// Writes the generated contributes / capabilities / activationEvents (src/extension/manifest.ts) into package.json.
// Run: node --import tsx scripts/gen-manifest.ts   (test/extension/manifest.test.ts fails until you do, after a schema change)
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { ACTIVATION_EVENTS, capabilities, contributes } from '../src/extension/manifest';

const path = fileURLToPath(new URL('../package.json', import.meta.url));
const pkg = JSON.parse(readFileSync(path, 'utf8'));
pkg.activationEvents = ACTIVATION_EVENTS;
pkg.contributes = contributes();
pkg.capabilities = capabilities();
writeFileSync(path, `${JSON.stringify(pkg, null, 2)}\n`);
console.log('package.json: contributes, capabilities and activationEvents regenerated');
