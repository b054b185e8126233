// Trunk's post-build hook (Trunk.toml), run in Trunk's staging folder after every
// build. wasm-bindgen names each function the wasm imports from its JS glue, and each
// closure entry the glue calls, after the Rust path it came from plus a hash
// (`__wbg_setAttribute_2a7f…`, 40–340 characters): the names sit once in the wasm and
// once in the glue, and their hashes barely compress. They become a letter or two on
// both sides here. Then the page's wasm is split in two (split_page.mjs: the code the
// lecture path runs, and the rest, `*_cold.wasm`, loaded on first use; the worker's is
// only stripped of the names index.html has wasm-opt keep for this), the page's
// ES-module glue gains the cold code's loader and is minified (Trunk minifies only
// classic scripts), and index.html's integrity hashes follow what changed.
//
// Kept as they are: `memory` and the `__wbindgen_*` / `__externref_*` exports, which
// Trunk's loader hands to the page's listeners and the browser tests reach by name.

import { readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { split, instrument, HIT_IMPORT, LOAD_IMPORT, PRIMARY_MODULE } from './split_page.mjs';

const staging = process.env.TRUNK_STAGING_DIR;
if (!staging) {
  console.error('finish_page.mjs runs as Trunk\'s post_build hook (TRUNK_STAGING_DIR is not set)');
  process.exit(1);
}
const { minify } = await import('terser').catch(() => {
  console.error('finish_page.mjs needs terser: run `npm ci` in crates/web/e2e '
    + '(`cargo xtask serve` and `cargo xtask test` do)');
  process.exit(1);
});

const SECTION_IMPORT = 2;
const SECTION_EXPORT = 7;
const KIND_FUNCTION = 0;
const KIND_TABLE = 1;
const KIND_MEMORY = 2;
const KIND_GLOBAL = 3;
const KIND_TAG = 4;

function readUleb(bytes, at) {
  let value = 0;
  let shift = 0;
  for (;;) {
    const byte = bytes[at++];
    if (byte === undefined) throw new Error('the wasm ends inside a number');
    value += (byte & 0x7f) * 2 ** shift;
    shift += 7;
    if (byte < 0x80) return [value, at];
  }
}

function uleb(value) {
  const out = [];
  do {
    let byte = value % 128;
    value = Math.floor(value / 128);
    if (value > 0) byte |= 0x80;
    out.push(byte);
  } while (value > 0);
  return Buffer.from(out);
}

const withLength = (bytes) => Buffer.concat([uleb(bytes.length), bytes]);

// Limits: a flags byte (bit 0: a maximum follows), the minimum, the maximum.
function skipLimits(bytes, at) {
  const flags = bytes[at++];
  [, at] = readUleb(bytes, at);
  if (flags & 1) [, at] = readUleb(bytes, at);
  return at;
}

// Where an import's description (after its kind byte) ends.
function skipImportDescription(bytes, kind, at) {
  switch (kind) {
    case KIND_FUNCTION: return readUleb(bytes, at)[1];
    case KIND_TABLE: return skipLimits(bytes, at + 1);
    case KIND_MEMORY: return skipLimits(bytes, at);
    case KIND_GLOBAL: return at + 2;
    case KIND_TAG: return readUleb(bytes, at + 1)[1];
    default: throw new Error(`unknown import kind ${kind}`);
  }
}

// Short names valid as JavaScript property names: a … Z, then two letters and on.
const LETTERS = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ';
function shortName(serial) {
  let name = LETTERS[serial % LETTERS.length];
  for (let rest = Math.floor(serial / LETTERS.length); rest > 0; rest = Math.floor(rest / LETTERS.length)) {
    name += LETTERS[rest % LETTERS.length];
  }
  return name;
}

const readName = (bytes, at) => {
  const [length, start] = readUleb(bytes, at);
  return [bytes.subarray(start, start + length).toString('utf8'), start + length];
};

// Rewrites the import and export sections; `rename(name, isImport)` gives the new
// name or undefined to keep it.
function renameInWasm(wasm, rename) {
  const parts = [wasm.subarray(0, 8)];
  let at = 8;
  while (at < wasm.length) {
    const id = wasm[at];
    const [size, start] = readUleb(wasm, at + 1);
    const end = start + size;
    const body = wasm.subarray(start, end);
    if (id === SECTION_IMPORT || id === SECTION_EXPORT) {
      const entries = [];
      let [count, cursor] = readUleb(body, 0);
      entries.push(uleb(count));
      for (; count > 0; count--) {
        let module;
        if (id === SECTION_IMPORT) {
          [module, cursor] = readName(body, cursor);
          entries.push(withLength(Buffer.from(module)));
        }
        let field;
        [field, cursor] = readName(body, cursor);
        const kind = body[cursor];
        const descriptionEnd = id === SECTION_IMPORT
          ? skipImportDescription(body, kind, cursor + 1)
          : readUleb(body, cursor + 1)[1];
        const renamed = kind === KIND_FUNCTION ? rename(field, id === SECTION_IMPORT) : undefined;
        entries.push(withLength(Buffer.from(renamed ?? field)), body.subarray(cursor, descriptionEnd));
        cursor = descriptionEnd;
      }
      if (cursor !== body.length) throw new Error(`section ${id} has ${body.length - cursor} bytes left over`);
      const rewritten = Buffer.concat(entries);
      parts.push(Buffer.from([id]), uleb(rewritten.length), rewritten);
    } else {
      parts.push(wasm.subarray(at, end));
    }
    at = end;
  }
  return Buffer.concat(parts);
}

// The wasm without its "name" section (index.html has wasm-opt keep names, for the split).
function withoutNames(wasm) {
  const parts = [wasm.subarray(0, 8)];
  let at = 8;
  while (at < wasm.length) {
    const [size, start] = readUleb(wasm, at + 1);
    const end = start + size;
    const isNames = wasm[at] === 0 && readName(wasm, start)[0] === 'name';
    if (!isNames) parts.push(wasm.subarray(at, end));
    at = end;
  }
  return Buffer.concat(parts);
}

const escapeRegExp = (text) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

// Every use of `name` in the glue, as a whole identifier: an import is the key of the
// imports object (`name:`), an export a property of the instance's exports (`.name`).
function renameInGlue(glue, name, short, isImport) {
  const use = isImport
    ? new RegExp(`(?<![\\w$])${escapeRegExp(name)}(?=\\s*:)`, 'g')
    : new RegExp(`(?<=\\.)${escapeRegExp(name)}(?![\\w$])`, 'g');
  const found = glue.match(use)?.length ?? 0;
  const expected = isImport ? found === 1 : found >= 1;
  if (!expected) {
    throw new Error(`the glue uses ${isImport ? 'import' : 'export'} ${name} ${found} times`);
  }
  return glue.replace(use, short);
}

const integrity = (bytes) => `sha384-${createHash('sha384').update(bytes).digest('base64')}`;

const htmlPath = join(staging, 'index.html');
let html = readFileSync(htmlPath, 'utf8');
const replaceIntegrity = (before, after) => {
  html = html.split(integrity(before)).join(integrity(after));
};

// The page's code is split by the hot list (split_page.mjs); with RAFTVIZ_PROFILE set
// it is instrumented instead, for `cargo xtask profile-split`.
const hotListPath = fileURLToPath(new URL('../hot_functions.txt', import.meta.url));
const profiling = Boolean(process.env.RAFTVIZ_PROFILE);

// What the page's glue gains: the loader of the cold code (called by the primary,
// inside whichever call first needs it, so it must be synchronous: one request, one
// compile of some 170 KB), or the profile's counter.
function coldLoader(coldName) {
  // A failure is thrown as a trap would be, so that the panic panel shows it.
  return `
function __raftviz_load_cold() {
    const fail = (why) => {
        throw new WebAssembly.RuntimeError(\`raftviz could not load ${coldName}: \${why}\`);
    };
    const request = new XMLHttpRequest();
    request.open('GET', new URL(${JSON.stringify(coldName)}, import.meta.url), false);
    request.overrideMimeType('text/plain; charset=x-user-defined');
    try {
        request.send();
    } catch (error) {
        fail(error.message);
    }
    if (request.status !== 200) fail(\`HTTP \${request.status}\`);
    const text = request.responseText;
    const bytes = new Uint8Array(text.length);
    for (let i = 0; i < text.length; i++) bytes[i] = text.charCodeAt(i);
    const imports = __wbg_get_imports();
    imports[${JSON.stringify(PRIMARY_MODULE)}] = wasm;
    new WebAssembly.Instance(new WebAssembly.Module(bytes), imports);
}
`;
}

function addGlueImport(glue, name, value) {
  const importsStart = /(const import0 = \{\s*__proto__: null,)/;
  if (!importsStart.test(glue)) throw new Error('the glue\'s imports object was not found');
  return glue.replace(importsStart, (start) => `${start}\n        ${JSON.stringify(name)}: ${value},`);
}

for (const wasmName of readdirSync(staging).filter((name) => name.endsWith('_bg.wasm'))) {
  const glueName = wasmName.replace(/_bg\.wasm$/, '.js');
  const wasmPath = join(staging, wasmName);
  const gluePath = join(staging, glueName);
  const wasmBefore = readFileSync(wasmPath);
  const glueBefore = readFileSync(gluePath);
  let glue = glueBefore.toString('utf8');
  let serial = 0;
  const renames = [];
  let wasm = renameInWasm(wasmBefore, (name, isImport) => {
    const shortened = isImport
      ? name.startsWith('__wbg_') || name.startsWith('__wbindgen_')
      : name.startsWith('wasm_bindgen_');
    if (!shortened) return undefined;
    const short = shortName(serial++);
    renames.push([name, short, isImport]);
    return short;
  });
  for (const [name, short, isImport] of renames) glue = renameInGlue(glue, name, short, isImport);
  // Trunk already minified the worker's classic-script glue; the page's module glue
  // it leaves as wasm-bindgen wrote it.
  const isModule = /^\s*export\s/m.test(glue);
  let splitNote = '';
  if (isModule && profiling) {
    const instrumented = instrument(wasm);
    wasm = Buffer.from(instrumented.wasm);
    writeFileSync(join(staging, 'profile_names.json'), JSON.stringify(instrumented.names));
    glue = addGlueImport(glue, HIT_IMPORT, '(index) => (globalThis.raftvizProfile ??= new Set()).add(index)');
    splitNote = `; instrumented (${instrumented.names.length} functions)`;
  } else if (isModule) {
    const hot = readFileSync(hotListPath, 'utf8').split('\n').filter((line) => line && !line.startsWith('#'));
    const parts = split(wasm, hot);
    wasm = Buffer.from(parts.primary);
    if (parts.secondary) {
      const coldName = wasmName.replace(/_bg\.wasm$/, '_cold.wasm');
      writeFileSync(join(staging, coldName), parts.secondary);
      glue = addGlueImport(glue, LOAD_IMPORT, '__raftviz_load_cold') + coldLoader(coldName);
      splitNote = `; ${parts.moved} functions moved to ${coldName} (${parts.secondary.length} B)`;
    }
  } else {
    wasm = withoutNames(wasm);
  }
  if (isModule) {
    const minified = await minify(glue, { module: true, compress: true, mangle: true });
    glue = minified.code;
  }
  const glueAfter = Buffer.from(glue, 'utf8');
  writeFileSync(wasmPath, wasm);
  writeFileSync(gluePath, glueAfter);
  replaceIntegrity(wasmBefore, wasm);
  replaceIntegrity(glueBefore, glueAfter);
  console.log(`finish_page: ${glueName}: ${renames.length} names shortened; `
    + `wasm ${wasmBefore.length} → ${wasm.length} B, glue ${glueBefore.length} → ${glueAfter.length} B`
    + (isModule ? ' (minified)' : '') + splitNote);
}
writeFileSync(htmlPath, html);
