// Splits the page's wasm in two, so that it opens with only the code a lecture uses:
// the primary module keeps every function named in the hot list (`hot_functions.txt`,
// written by `cargo xtask profile-split` from a run of the page); the rest moves to a
// secondary module that the page loads the first time it calls one of them (opening
// the settings, a scenario, a share link, membership change, …).
//
// In the primary each moved function that hot code still refers to becomes a stub of
// the same signature: `call $cold$load` (a no-op once loaded), then `call_indirect`
// through a table of the split's own, at the function's slot. The secondary imports
// the primary's memory, tables and globals; when it is instantiated its element
// segment fills the cold functions' slots, and it reaches the primary's functions it
// calls through the slots after those, which the primary fills (cheaper in the
// primary than an export each). Its data segments are dropped: the primary's are
// already in memory, and writing them again would undo the program's changes to its
// statics.
//
// Also here: `instrument`, which makes every function note that it ran (the profile
// that the hot list is made from).

import binaryen from 'binaryen';

// Those index.html gives wasm-opt (which adds the two each implies).
const FEATURES = binaryen.Features.BulkMemory | binaryen.Features.BulkMemoryOpt
  | binaryen.Features.NontrappingFPToInt | binaryen.Features.SignExt
  | binaryen.Features.MutableGlobals | binaryen.Features.Multivalue
  | binaryen.Features.ReferenceTypes | binaryen.Features.CallIndirectOverlong;

/** The module name the glue gives its imports (wasm-bindgen's). */
export const GLUE_MODULE = './raftviz-web_bg.js';
/** The import the primary calls to load the secondary, and the profile's counter. */
export const LOAD_IMPORT = '$';
export const HIT_IMPORT = '$$';
/** The module name under which the secondary imports what the primary exports. */
export const PRIMARY_MODULE = 'p';

const COLD_TABLE = 'cold$table';
const LOADED_GLOBAL = 'cold$loaded';
const LOAD_FUNCTION = 'cold$load';

function read(bytes) {
  const module = binaryen.readBinary(bytes);
  module.setFeatures(FEATURES);
  return module;
}

/**
 * A function's name without what changes from build to build of the same source:
 * crates' disambiguators (`[8fbd…]`) and the `.N` that tells same-named copies apart.
 */
export function stableName(name) {
  return name.replace(/\[[0-9a-f]+\]/g, '').replace(/\.\d+$/, '');
}

function definedFunctions(module) {
  const found = [];
  for (let i = 0; i < module.getNumFunctions(); i++) {
    const ref = module.getFunctionByIndex(i);
    const info = binaryen.getFunctionInfo(ref);
    if (!info.module) found.push({ ref, info });
  }
  return found;
}

function emit(module) {
  binaryen.setDebugInfo(false);
  return module.emitBinary();
}

/**
 * The module with every defined function first calling the glue's `$hit` with its
 * number, and the functions' stable names in that order.
 */
export function instrument(bytes) {
  const module = read(bytes);
  module.addFunctionImport('profile$hit', GLUE_MODULE, HIT_IMPORT, binaryen.i32, binaryen.none);
  const names = [];
  for (const { ref, info } of definedFunctions(module)) {
    const hit = module.call('profile$hit', [module.i32.const(names.length)], binaryen.none);
    binaryen.Function.setBody(ref, module.block(null, [hit, info.body], info.results));
    names.push(stableName(info.name));
  }
  return { wasm: emit(module), names };
}

// Export names the primary gives the memory, tables and globals the secondary imports:
// short, and unlike the glue's (letters only) and wasm-bindgen's (`__…`).
const exportName = (serial) => `$${serial.toString(36)}`;

// A body that calls the table's `slot` with the function's own parameters.
function forwardThroughTable(module, info, slot) {
  const params = binaryen.expandType(info.params);
  return module.call_indirect(COLD_TABLE, module.i32.const(slot),
    params.map((type, index) => module.local.get(index, type)), info.params, info.results);
}

/**
 * Splits `bytes` (a wasm with its name section) by the hot list; returns the two
 * modules (no secondary when every function is hot) and how many functions moved.
 */
export function split(bytes, hotNames) {
  const hot = new Set(hotNames.map(stableName));
  const primary = read(bytes);
  const secondary = read(bytes);
  const cold = definedFunctions(primary)
    .filter(({ info }) => !hot.has(stableName(info.name)))
    .map(({ info }) => info.name);
  if (cold.length === 0) return { primary: emit(primary), secondary: undefined, moved: 0 };
  // The secondary is a copy of the whole module: a start function would run again.
  if (primary.getStart()) throw new Error('the page\'s wasm has a start function, which the split does not handle');
  const coldSet = new Set(cold);

  // The secondary: the cold functions, everything else imported from the primary.
  for (let i = secondary.getNumExports() - 1; i >= 0; i--) {
    secondary.removeExport(binaryen.getExportInfo(secondary.getExportByIndex(i)).name);
  }
  for (let i = secondary.getNumElementSegments() - 1; i >= 0; i--) {
    secondary.removeElementSegment(binaryen.getElementSegmentInfo(secondary.getElementSegmentByIndex(i)).name);
  }
  secondary.runPasses(['remove-memory-init']);
  const primaryExports = [];
  let serial = 0;
  const importFromPrimary = (kind, internal) => {
    const name = exportName(serial++);
    primaryExports.push([kind, internal, name]);
    return name;
  };
  secondary.addMemoryImport('0', PRIMARY_MODULE, importFromPrimary('memory', '0'));
  for (let i = 0; i < secondary.getNumTables(); i++) {
    const table = binaryen.getTableInfo(secondary.getTableByIndex(i));
    if (!table.module) secondary.addTableImport(table.name, PRIMARY_MODULE, importFromPrimary('table', table.name));
  }
  const globals = [];
  for (let i = 0; i < secondary.getNumGlobals(); i++) {
    const global = binaryen.getGlobalInfo(secondary.getGlobalByIndex(i));
    if (!global.module) globals.push(global);
  }
  for (const global of globals) {
    secondary.removeGlobal(global.name);
    secondary.addGlobalImport(global.name, PRIMARY_MODULE, importFromPrimary('global', global.name),
      global.type, global.mutable);
  }
  for (const { info } of definedFunctions(secondary)) {
    if (coldSet.has(info.name)) continue;
    secondary.removeFunction(info.name);
    secondary.addFunctionImport(info.name, PRIMARY_MODULE, info.name, info.params, info.results);
  }
  secondary.addTableImport(COLD_TABLE, PRIMARY_MODULE, importFromPrimary('table', COLD_TABLE));
  secondary.addActiveElementSegment(COLD_TABLE, 'cold$functions', cold, secondary.i32.const(0));
  secondary.runPasses(['remove-unused-module-elements']);
  // What cold code calls in the primary, reached through the slots after the cold ones.
  const reached = [];
  for (let i = 0; i < secondary.getNumFunctions(); i++) {
    const info = binaryen.getFunctionInfo(secondary.getFunctionByIndex(i));
    if (info.module === PRIMARY_MODULE) reached.push(info);
  }
  reached.forEach((info, index) => {
    secondary.removeFunction(info.name);
    secondary.addFunction(info.name, info.params, info.results, [],
      forwardThroughTable(secondary, info, cold.length + index));
  });

  // The primary: stubs in place of the cold functions, the table's other slots, and
  // the exports above.
  primary.addTable(COLD_TABLE, cold.length + reached.length, cold.length + reached.length);
  primary.addActiveElementSegment(COLD_TABLE, 'cold$reached', reached.map((info) => info.name),
    primary.i32.const(cold.length));
  primary.addFunctionImport('cold$import', GLUE_MODULE, LOAD_IMPORT, binaryen.none, binaryen.none);
  primary.addGlobal(LOADED_GLOBAL, binaryen.i32, true, primary.i32.const(0));
  primary.addFunction(LOAD_FUNCTION, binaryen.none, binaryen.none, [], primary.if(
    primary.i32.eqz(primary.global.get(LOADED_GLOBAL, binaryen.i32)),
    primary.block(null, [
      primary.call('cold$import', [], binaryen.none),
      primary.global.set(LOADED_GLOBAL, primary.i32.const(1)),
    ])));
  cold.forEach((name, slot) => {
    const info = binaryen.getFunctionInfo(primary.getFunction(name));
    primary.removeFunction(name);
    primary.addFunction(name, info.params, info.results, [], primary.block(null, [
      primary.call(LOAD_FUNCTION, [], binaryen.none),
      forwardThroughTable(primary, info, slot),
    ], info.results));
  });
  for (const [kind, internal, name] of primaryExports) {
    if (kind === 'memory') primary.addMemoryExport(internal, name);
    else if (kind === 'table') primary.addTableExport(internal, name);
    else primary.addGlobalExport(internal, name);
  }
  primary.runPasses(['remove-unused-module-elements']);
  if (!primary.validate() || !secondary.validate()) throw new Error('the split modules do not validate');
  return { primary: emit(primary), secondary: emit(secondary), moved: cold.length };
}
