// Bundles the `bimt view` page script (src/view/page/main.ts and what it imports from src/) into
// dist/view/page.js, which src/view/html.ts inlines into every page (docs/design.md, "View").
// Run by `npm run build` and `prepare` after tsc.
import { build } from 'esbuild';

await build({
  entryPoints: ['src/view/page/main.ts'],
  outfile: 'dist/view/page.js',
  bundle: true,
  format: 'iife',
  platform: 'browser',
  target: 'es2022',
  minify: true,
  legalComments: 'none',
  logLevel: 'warning',
});
