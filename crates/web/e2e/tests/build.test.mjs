// What Trunk's post-build hook (finish_page.mjs) leaves in dist/: short names between
// each wasm and its glue, and integrity hashes in index.html that still match the
// files they name (a browser refuses a preload whose hash is wrong).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFile, readdir } from 'node:fs/promises';
import path from 'node:path';
import { distDir } from '../harness.mjs';

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
      assert.match(glue, new RegExp(`[{,]\\s*${field}\\s*:`), `${name}'s glue lacks ${field}`);
    }
    const closures = WebAssembly.Module.exports(module).filter((entry) => entry.name.startsWith('wasm_bindgen_'));
    assert.deepEqual(closures, [], `${name} exports long names`);
  }
});
