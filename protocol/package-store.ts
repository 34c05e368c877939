// The operator's package store (packages/: package.json, package-lock.json, node_modules), read
// by the gateway (GET /api/packages and the editor's types) and bound read-only into every
// sandbox by the worker host. Node-only: not exported from index.ts, which the browser imports.
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** <repo>/packages: where `npm run setup` installs the default set (from the sources or from dist/protocol/). */
export const DEFAULT_PACKAGES_DIR = fileURLToPath(new URL(import.meta.url.includes('/dist/protocol/') ? '../../packages' : '../packages', import.meta.url));

export interface InstalledPackage {
  name: string;
  version: string;
}

const NAME_RE = /^(?:@[a-z0-9][a-z0-9._-]*\/)?[a-z0-9][a-z0-9._-]*$/;

function readJson(file: string): Record<string, unknown> | undefined {
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
  } catch {
    return undefined;
  }
}

/** The store's node_modules (bound at /node_modules in the sandbox), if installed. */
export function storeModulesDir(packagesDir: string): string | undefined {
  const dir = path.join(packagesDir, 'node_modules');
  return existsSync(dir) && statSync(dir).isDirectory() ? dir : undefined;
}

/**
 * The packages programs may import: the manifest's dependencies that are installed, with
 * their installed versions, by name. Type-only packages (@types/…) serve the editor and are
 * not listed.
 */
export function listInstalledPackages(packagesDir: string): InstalledPackage[] {
  const manifest = readJson(path.join(packagesDir, 'package.json'));
  const deps = Object.keys((manifest?.dependencies as Record<string, string> | undefined) ?? {});
  const out: InstalledPackage[] = [];
  for (const name of deps.sort()) {
    if (name.startsWith('@types/') || !NAME_RE.test(name)) continue;
    const pkg = readJson(path.join(packagesDir, 'node_modules', name, 'package.json'));
    if (typeof pkg?.version === 'string') out.push({ name, version: pkg.version });
  }
  return out;
}

const DECLARATION = /\.d\.(?:ts|mts|cts)$/;
const MAX_TYPE_BYTES = 8 * 1024 * 1024;

function collectDeclarations(root: string, prefix: string, files: Record<string, string>, budget: { bytes: number }): void {
  const walk = (dir: string, rel: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
      if (entry.name === 'node_modules') continue;
      const abs = path.join(dir, entry.name);
      const relName = rel ? `${rel}/${entry.name}` : entry.name;
      if (entry.isDirectory()) walk(abs, relName);
      else if (entry.isFile() && (DECLARATION.test(entry.name) || relName === 'package.json')) {
        // A .d.cts twin of a .d.ts says the same for require(); the editor needs one.
        if (entry.name.endsWith('.d.cts') && existsSync(abs.replace(/\.d\.cts$/, '.d.ts'))) continue;
        const text = readFileSync(abs, 'utf8');
        budget.bytes += text.length;
        if (budget.bytes > MAX_TYPE_BYTES) return;
        files[`${prefix}/${relName}`] = text;
      }
    }
  };
  walk(root, '');
}

/**
 * The declaration files of one installed package (and of its @types/ package, if the store
 * has one), keyed by their path under /node_modules, for the editor's TypeScript service.
 * Undefined when the package is not one the store lists.
 */
export function packageTypeFiles(packagesDir: string, name: string): Record<string, string> | undefined {
  if (!listInstalledPackages(packagesDir).some((p) => p.name === name)) return undefined;
  const files: Record<string, string> = {};
  const budget = { bytes: 0 };
  const modules = path.join(packagesDir, 'node_modules');
  collectDeclarations(path.join(modules, name), `node_modules/${name}`, files, budget);
  const typesName = `@types/${name.startsWith('@') ? name.slice(1).replace('/', '__') : name}`;
  if (existsSync(path.join(modules, typesName))) collectDeclarations(path.join(modules, typesName), `node_modules/${typesName}`, files, budget);
  return files;
}
