/** Architecture rules, checked by `npm test` (DESIGN.md, "Architecture"; STYLE.md, "House habits"). */
module.exports = {
  forbidden: [
    {
      name: 'domain-is-pure',
      comment: 'src/domain holds pure rules: no node:* modules, no storage, HTTP, CLI or app code.',
      severity: 'error',
      from: { path: '^src/domain' },
      to: { path: ['^src/(store|http|cli|app|demo|crypto)', '^(node:)?(fs|path|net|http|https|crypto|child_process|os|worker_threads|stream|dgram|tls|url|util)$'], dependencyTypes: ['core', 'local', 'npm'] },
    },
    {
      name: 'domain-no-io-libraries',
      comment: 'The domain may not reach for database, HTTP or CLI libraries.',
      severity: 'error',
      from: { path: '^src/domain' },
      to: { path: 'node_modules/(better-sqlite3|pg|kysely|fastify|@fastify|commander|pino)/' },
    },
    {
      name: 'no-core-in-domain',
      severity: 'error',
      from: { path: '^src/domain' },
      to: { dependencyTypes: ['core'] },
    },
    {
      name: 'store-below-app',
      comment: 'The store knows nothing of the app, HTTP or CLI.',
      severity: 'error',
      from: { path: '^src/store' },
      to: { path: '^src/(app|http|cli|demo)' },
    },
    {
      name: 'app-below-adapters',
      comment: 'Use cases never call the HTTP or CLI adapters.',
      severity: 'error',
      from: { path: '^src/app' },
      to: { path: '^src/(http|cli)' },
    },
    {
      name: 'no-circular',
      severity: 'error',
      from: {},
      to: { circular: true },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    tsConfig: { fileName: 'tsconfig.json' },
    tsPreCompilationDeps: true,
    exclude: { path: '\\.test\\.ts$' },
  },
};
