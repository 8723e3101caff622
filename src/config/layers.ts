/**
 * A config file and the files it extends, as layers of YAML: `extends: base.yaml` (a path
 * relative to the extending file) names a config whose keys this one starts from, so a variant
 * names only what it changes:
 *
 *     extends: ../independence.yaml
 *     name: fig3a
 *     swap: { permute_optimizer_state: false }
 *
 * Mappings merge key by key, anything else (lists included) is replaced whole. `name` is not
 * inherited: a run is named for the file that was asked for. Each layer keeps its parsed document,
 * so a problem is reported at the line of the file the offending key came from.
 */
import { dirname, isAbsolute, join, resolve } from 'node:path';
import { isMap, isPair, isScalar, LineCounter, parseDocument, visit, type Document, type Node } from 'yaml';
import { BimtError } from '../errors.js';
import { excerpt } from '../util/excerpt.js';
import { MAX_CONFIG_BYTES, readRegularFile } from '../util/files.js';
import { deepMerge, getOwn, isPlainObject, type PlainObject } from './plain.js';

/** Longest chain of `extends` followed; real ones have one or two links. */
export const MAX_EXTENDS_DEPTH = 8;

/**
 * Aliases (*a) expanded at most this many times: a few nested aliases can otherwise expand to
 * billions of values (the "billion laughs").
 */
const MAX_ALIAS_COUNT = 100;

export interface Layer {
  /** The file as named (by the user, or by `extends` relative to the extending file). */
  readonly file: string;
  readonly doc: Document;
  readonly lines: LineCounter;
  /** The file's keys as plain data, without `extends`. */
  readonly plain: PlainObject;
  /** The value of its `extends` key, if any. */
  readonly base: unknown;
}

/** A position in a config: a file and the 1-based line and column of a key there. */
export function positionOf(layer: Pick<Layer, 'file' | 'lines'>, offset: number): string {
  const p = layer.lines.linePos(offset);
  return `${layer.file}:${p.line}:${p.col}`;
}

/** Config `text` of `file` and the files it extends: the file first, its base after it. */
export function readLayers(text: string, file: string): Layer[] {
  const layers = [parseLayer(text, file)];
  for (let child = layers[0]!; child.base !== undefined; child = layers[layers.length - 1]!) {
    const at = `${positionOf(child, keyOffset(child.doc, ['extends']) ?? 0)}: extends`;
    if (typeof child.base !== 'string' || child.base.trim() === '') {
      throw new BimtError(`${at}: must be the path of a config file, relative to this one (got ${excerpt(JSON.stringify(child.base) ?? String(child.base))})`);
    }
    const baseFile = isAbsolute(child.base) ? child.base : join(dirname(child.file), child.base);
    if (layers.some((l) => resolve(l.file) === resolve(baseFile))) {
      throw new BimtError(`${at}: ${baseFile} is already in the chain of extended files (${layers.map((l) => l.file).join(' -> ')})`);
    }
    if (layers.length > MAX_EXTENDS_DEPTH) throw new BimtError(`${at}: more than ${MAX_EXTENDS_DEPTH} files extend each other`);
    let baseText: string;
    try {
      baseText = readRegularFile(baseFile, 'config file', MAX_CONFIG_BYTES).toString('utf8');
    } catch (e) {
      if (e instanceof BimtError) throw new BimtError(`${at}: ${e.message}`);
      throw e;
    }
    layers.push(parseLayer(baseText, baseFile));
  }
  return layers;
}

/** The keys of all layers merged; the first layer wins. */
export function mergeLayers(layers: readonly Layer[]): PlainObject {
  let merged: PlainObject = {};
  for (let i = layers.length - 1; i >= 0; i--) {
    const { name: _name, ...rest } = layers[i]!.plain;
    merged = deepMerge(merged, i === 0 ? layers[i]!.plain : rest);
  }
  return merged;
}

/**
 * Where a key path is written: in the layer that holds the most of it (the one its value came
 * from; the extending file on a tie), at the key itself or its nearest written parent.
 */
export function locate(layers: readonly Layer[], path: readonly (string | number)[]): string {
  let best = { layer: layers[0]!, depth: -1, offset: 0 };
  for (const layer of layers) {
    for (let n = path.length; n > best.depth && n > 0; n--) {
      const offset = keyOffset(layer.doc, path.slice(0, n));
      if (offset !== undefined) {
        best = { layer, depth: n, offset };
        break;
      }
    }
  }
  return positionOf(best.layer, best.offset);
}

/** Source offset of the key at `path` (or of the list entry), if the document has it. */
function keyOffset(doc: Document, path: readonly (string | number)[]): number | undefined {
  const parent = path.length === 1 ? doc.contents : (doc.getIn(path.slice(0, -1), true) as Node | undefined);
  const last = path[path.length - 1];
  if (isMap(parent)) {
    const pair = parent.items.find((it) => isPair(it) && isScalar(it.key) && String(it.key.value) === String(last));
    const k = pair?.key as Node | undefined;
    if (k?.range) return k.range[0];
  }
  const node = doc.getIn(path, true) as Node | undefined;
  if (node && typeof node === 'object' && 'range' in node && node.range) return node.range[0];
  return undefined;
}

function parseLayer(text: string, file: string): Layer {
  const lines = new LineCounter();
  // The yaml package's own uniqueKeys check compares each key with every earlier one of its map:
  // minutes on a config of many keys near the size limit, while a synchronous parse holds back
  // the Ctrl-C and SIGTERM that docs/cli.md, "bimt train", says end it at any moment. duplicateKey
  // does the same check in one pass.
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false, uniqueKeys: false });
  const yamlError = doc.errors[0];
  if (yamlError) {
    throw new BimtError(`${positionOf({ file, lines }, yamlError.pos[0])}: invalid YAML: ${yamlError.message.split('\n')[0]}`);
  }
  const duplicate = duplicateKey(doc);
  if (duplicate !== undefined) throw new BimtError(`${positionOf({ file, lines }, duplicate)}: invalid YAML: Map keys must be unique`);
  // Empty is what the YAML parser found no content in (blank lines and comments only), asked of the
  // parsed document rather than of a regular expression over the text: one that matched comment
  // lines backtracked exponentially on a few dozen of them.
  if (doc.contents === null) {
    throw new BimtError(`${file}: the config file is empty (see configs/two-moons.yaml for an example)`);
  }
  let plain: unknown;
  try {
    plain = doc.toJS({ maxAliasCount: MAX_ALIAS_COUNT });
  } catch (e) {
    // The yaml package refuses an alias bomb with a ReferenceError.
    if (!(e instanceof ReferenceError) || !/alias/i.test(e.message)) throw e;
    throw new BimtError(`${file}: invalid YAML: its aliases (*name) expand to too many values (at most ${MAX_ALIAS_COUNT} uses); write the values out`);
  }
  if (!isPlainObject(plain)) {
    throw new BimtError(`${file}:1:1: the config must be a mapping of sections (task, model, lambda, train, ...)`);
  }
  const { extends: base, ...rest } = plain;
  return { file, doc, lines, plain: rest, base };
}

/** Source offset of the first key that repeats an earlier scalar key of its mapping, if any. */
function duplicateKey(doc: Document): number | undefined {
  let found: number | undefined;
  visit(doc, {
    Map(_, map) {
      const seen = new Set<unknown>();
      for (const pair of map.items) {
        if (!isScalar(pair.key)) continue;
        // The value itself, not its text: 1 and "1" are different keys, as for the yaml package.
        if (seen.has(pair.key.value)) {
          found = pair.key.range?.[0] ?? 0;
          return visit.BREAK;
        }
        seen.add(pair.key.value);
      }
      return undefined;
    },
  });
  return found;
}
