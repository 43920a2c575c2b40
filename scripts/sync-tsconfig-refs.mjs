#!/usr/bin/env node
// Keeps TypeScript project references in step with workspace dependencies, so `tsc -b` builds
// every package after the packages it imports. Run after adding a @mesh-trace/* dependency.
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';

const dirs = ['packages', 'services'].flatMap((d) =>
  readdirSync(d)
    .map((n) => `${d}/${n}`)
    .filter((p) => existsSync(`${p}/tsconfig.json`)),
);
const byName = new Map(dirs.map((p) => [JSON.parse(readFileSync(`${p}/package.json`, 'utf8')).name, p]));
for (const p of dirs) {
  const pkg = JSON.parse(readFileSync(`${p}/package.json`, 'utf8'));
  const deps = Object.keys({ ...pkg.dependencies, ...pkg.devDependencies }).filter((d) => byName.has(d));
  const tsconfig = JSON.parse(readFileSync(`${p}/tsconfig.json`, 'utf8'));
  const refs = deps
    .map((d) => ({ path: `../../${byName.get(d)}` }))
    .sort((a, b) => a.path.localeCompare(b.path));
  if (refs.length) tsconfig.references = refs;
  else delete tsconfig.references;
  writeFileSync(`${p}/tsconfig.json`, `${JSON.stringify(tsconfig, null, 2)}\n`);
}
writeFileSync(
  'tsconfig.json',
  `${JSON.stringify({ files: [], references: dirs.map((path) => ({ path })) }, null, 2)}\n`,
);
console.log(`synced references of ${dirs.length} projects`);
