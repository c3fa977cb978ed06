// The CLI as it ships (`npm run build`): `tsc` emits dist/ module by module (the benchmarks
// import those); this then bundles the CLI and the log-scan worker from the sources over
// dist/cli.js and dist/store/log-scan-worker.js, with chunks in dist/chunks/ for what only some
// commands load (the server, the demo, the log audit). Why: Node spends most of a command's
// start-up resolving and loading modules — kysely alone is 263 files, zod 95, jose 46, ours 150 —
// and the CLI starts hundreds of times in a test run and in operators' scripts; bundled,
// `passage verify --db` starts in half the time. Packages that find files beside themselves
// (fastify's static files, pino's transports) or are native (better-sqlite3) stay in node_modules,
// and so does every other package: only those inlined here are many small ES modules.
import { rmSync } from 'node:fs';
import { build } from 'rolldown';

// Chunks are named by their content's hash: the last build's go, or they pile up.
rmSync('dist/chunks', { recursive: true, force: true });

const INLINE = new Set(['kysely', 'zod', 'jose', 'fastify-type-provider-zod']);

/** The package an import names (`@scope/name` or `name`), or null for a relative or absolute path. */
function packageOf(id) {
  if (id.startsWith('.') || id.startsWith('/') || /^[A-Za-z]:[\\/]/.test(id)) return null;
  const parts = id.split('/');
  return id.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0];
}

const options = {
  input: { cli: 'src/cli.ts', 'store/log-scan-worker': 'src/store/log-scan-worker.ts' },
  platform: 'node',
  resolve: { extensionAlias: { '.js': ['.ts', '.js'] } },
  external: (id) => {
    if (id.startsWith('node:')) return true;
    const name = packageOf(id);
    return name !== null && !INLINE.has(name);
  },
  output: { dir: 'dist', format: 'esm', entryFileNames: '[name].js', chunkFileNames: 'chunks/[name]-[hash].js', sourcemap: true },
};

// The API rather than rolldown's command line, which lists every chunk it writes: warnings only.
await build(options);
