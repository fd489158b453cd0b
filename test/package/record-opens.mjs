// Preload for test/package/pack.test.ts: appends to $RFS_RECORD_OPENS the
// path of every file this process (and its worker threads, which inherit
// --import) opens through node:fs or loads as a module.
import { appendFileSync } from 'node:fs';
import fs from 'node:fs';
import { register, syncBuiltinESMExports } from 'node:module';
import { fileURLToPath } from 'node:url';

const log = process.env.RFS_RECORD_OPENS;
if (log) {
  const note = (p) => {
    try {
      const path = p instanceof URL ? fileURLToPath(p) : typeof p === 'string' ? p : null;
      if (path) appendFileSync(log, `${path}\n`);
    } catch {}
  };
  for (const name of ['openSync', 'open', 'readFileSync', 'readFile', 'createReadStream']) {
    const original = fs[name];
    fs[name] = function (p, ...rest) {
      note(p);
      return original.call(this, p, ...rest);
    };
  }
  for (const name of ['open', 'readFile']) {
    const original = fs.promises[name];
    fs.promises[name] = function (p, ...rest) {
      note(p);
      return original.call(this, p, ...rest);
    };
  }
  // Named imports (import { readFileSync } from 'node:fs') see the wrappers only after this.
  syncBuiltinESMExports();
  register(
    'data:text/javascript,' +
      encodeURIComponent(`
    import { appendFileSync } from 'node:fs';
    import { fileURLToPath } from 'node:url';
    export async function load(url, context, next) {
      if (url.startsWith('file:')) appendFileSync(${JSON.stringify(log)}, fileURLToPath(url) + '\\n');
      return next(url, context);
    }`),
  );
}
