/**
 * Vega-Lite → Vega compilation in Node, and the browser runtime inlined into
 * the HTML. Compiling here means the report needs only vega and vega-embed at
 * view time (no vega-lite, ~1 MB less), and a spec error fails the build of
 * the report rather than showing a blank chart to the reader.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { compile } from 'vega-lite';
import type { TopLevelSpec } from 'vega-lite';

export type VegaSpec = ReturnType<typeof compile>['spec'];

export function compileToVega(spec: TopLevelSpec): VegaSpec {
  return compile(spec).spec;
}

export interface RuntimeScripts {
  vega: string;
  vegaEmbed: string;
}

let cached: RuntimeScripts | null = null;

/**
 * The minified browser builds, found next to each package's resolved entry
 * point (their package.json "exports" do not expose the build files).
 */
export function runtimeScripts(): RuntimeScripts {
  if (cached) return cached;
  const sibling = (pkg: string, file: string) => fileURLToPath(new URL(`./${file}`, import.meta.resolve(pkg)));
  cached = {
    vega: safeInlineScript(readFileSync(sibling('vega', 'vega.min.js'), 'utf8')),
    vegaEmbed: safeInlineScript(readFileSync(sibling('vega-embed', 'vega-embed.min.js'), 'utf8')),
  };
  return cached;
}

/**
 * Inline <script> content must not contain "</script" (it would end the
 * element). In JavaScript source that text can only occur inside string,
 * template or regex literals, where "<\/script" means the same thing.
 */
export function safeInlineScript(source: string): string {
  return source.replace(/<\/(script)/gi, '<\\/$1');
}
