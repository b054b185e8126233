// What Trunk's post-build hook (finish_page.mjs) leaves in dist/: short names between
// each wasm and its glue, and integrity hashes in index.html that still match the
// files they name (a browser refuses a preload whose hash is wrong).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFile, readdir } from 'node:fs/promises';
import path from 'node:path';
import { distDir } from '../harness.mjs';

// An import's name as a key of the glue's imports object (`$` is one of them).
const glueKey = (name) => new RegExp(`[{,]\\s*${name.replace(/\$/g, '\\$')}\\s*:`);

test('every integrity hash in index.html matches the file it names', async () => {
  const html = await readFile(path.join(distDir, 'index.html'), 'utf8');
  const tags = html.match(/<[^>]*\bintegrity=[^>]*>/g) ?? [];
  assert.ok(tags.length >= 4, `${tags.length} tags carry an integrity hash`);
  for (const tag of tags) {
    const file = tag.match(/\b(?:href|src)="?\.\/([^"\s>]+)/)?.[1];
    const [, algorithm, digest] = tag.match(/\bintegrity="?(sha\d+)-([^"\s>]+)/);
    assert.ok(file, `no file in ${tag}`);
    const actual = createHash(algorithm).update(await readFile(path.join(distDir, file))).digest('base64');
    assert.equal(actual, digest, `${file}: index.html says ${algorithm}-${digest}`);
  }
});

test('each wasm imports its glue by short names, and the glue provides every one', async () => {
  const wasms = (await readdir(distDir)).filter((name) => name.endsWith('_bg.wasm'));
  assert.equal(wasms.length, 2, `${wasms}: the page and the trace reader`);
  for (const name of wasms) {
    const module = new WebAssembly.Module(await readFile(path.join(distDir, name)));
    const glue = await readFile(path.join(distDir, name.replace(/_bg\.wasm$/, '.js')), 'utf8');
    const functions = WebAssembly.Module.imports(module).filter((entry) => entry.kind === 'function');
    assert.ok(functions.length > 10, `${name} imports ${functions.length} functions`);
    for (const { name: field } of functions) {
      assert.ok(field.length <= 2, `${name} imports ${field}`);
      assert.match(glue, glueKey(field), `${name}'s glue lacks ${field}`);
    }
    const closures = WebAssembly.Module.exports(module).filter((entry) => entry.name.startsWith('wasm_bindgen_'));
    assert.deepEqual(closures, [], `${name} exports long names`);
  }
});

const DATA_SECTION = 11;

// The ids of a wasm's sections, in order.
function sectionIds(bytes) {
  const ids = [];
  for (let at = 8; at < bytes.length;) {
    ids.push(bytes[at]);
    let size = 0;
    let shift = 0;
    let byte;
    do {
      byte = bytes[++at];
      size += (byte & 0x7f) * 2 ** shift;
      shift += 7;
    } while (byte & 0x80);
    at += 1 + size;
  }
  return ids;
}

test('the cold code imports only what the page\'s wasm exports and its glue provides', async () => {
  const names = await readdir(distDir);
  const coldName = names.find((name) => name.endsWith('_cold.wasm'));
  assert.ok(coldName, `no cold code in ${names}`);
  const page = new WebAssembly.Module(await readFile(path.join(distDir, coldName.replace(/_cold\.wasm$/, '_bg.wasm'))));
  const cold = new WebAssembly.Module(await readFile(path.join(distDir, coldName)));
  const glue = await readFile(path.join(distDir, coldName.replace(/_cold\.wasm$/, '.js')), 'utf8');
  const glueModules = new Set(WebAssembly.Module.imports(page).map(({ module }) => module));
  const exported = new Map(WebAssembly.Module.exports(page).map(({ name, kind }) => [name, kind]));
  const imports = WebAssembly.Module.imports(cold);
  assert.deepEqual(sectionIds(await readFile(path.join(distDir, coldName))).filter((id) => id === DATA_SECTION), [],
    'the cold code has data segments, which would write over the statics when it loads');
  assert.ok(imports.some(({ kind }) => kind === 'memory'), 'the cold code has a memory of its own');
  for (const { module, name, kind } of imports) {
    if (module === 'p') {
      assert.equal(exported.get(name), kind, `the page's wasm does not export the ${kind} ${name}`);
    } else {
      assert.ok(glueModules.has(module), `the cold code imports from ${module}`);
      assert.match(glue, glueKey(name), `the glue lacks ${name}, which the cold code imports`);
    }
  }
});
