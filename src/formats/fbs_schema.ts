// A FlatBuffers schema (.fbs) as data: tables with their fields' vtable slots and types, enums and
// unions. Enough of the IDL for TensorFlow Lite's official schema (namespace, attribute, enum,
// union, table, struct, root_type, file_identifier, field defaults and attributes); the generated
// formats/tflite_schema.ts is this parser's output for that schema (scripts/tflite_schema.ts).

export type FbsScalar = 'bool' | 'byte' | 'ubyte' | 'short' | 'ushort' | 'int' | 'uint' | 'long' | 'ulong' | 'float' | 'double';
export type FbsType =
  | { kind: 'scalar'; scalar: FbsScalar }
  | { kind: 'string' }
  | { kind: 'vector'; of: FbsType }
  | { kind: 'table'; name: string }
  | { kind: 'enum'; name: string; scalar: FbsScalar }
  | { kind: 'union'; name: string };

/** `slot`: the field's vtable slot (a union takes two: its type at slot - 1, its value at slot). */
export interface FbsField { name: string; slot: number; type: FbsType; default?: number; deprecated?: true }
export interface FbsSchema {
  tables: Record<string, FbsField[]>;
  enums: Record<string, { scalar: FbsScalar; values: Record<string, number> }>;
  /** Union members by their type value (0 = NONE). */
  unions: Record<string, Record<number, string>>;
  rootType: string;
  fileIdentifier?: string;
}

const SCALARS: Record<string, FbsScalar> = {
  bool: 'bool', byte: 'byte', ubyte: 'ubyte', short: 'short', ushort: 'ushort', int: 'int', uint: 'uint', long: 'long', ulong: 'ulong',
  float: 'float', double: 'double', int8: 'byte', uint8: 'ubyte', int16: 'short', uint16: 'ushort', int32: 'int', uint32: 'uint',
  int64: 'long', uint64: 'ulong', float32: 'float', float64: 'double',
};

/** Parses a .fbs text; throws an Error naming the line on what it does not understand. */
export function parseFbs(text: string): FbsSchema {
  const src = text.replace(/\/\*[\s\S]*?\*\//g, (m) => m.replace(/[^\n]/g, ' ')).replace(/\/\/[^\n]*/g, '');
  const tokens: { t: string; line: number }[] = [];
  const re = /"[^"]*"|[A-Za-z_][\w.]*|-?\d+(?:\.\d+)?(?:[eE][-+]?\d+)?|[{}[\]():;,=]/g;
  src.split('\n').forEach((l, i) => { for (const m of l.matchAll(re)) tokens.push({ t: m[0], line: i + 1 }); });
  let p = 0;
  const peek = () => tokens[p]?.t;
  const fail = (why: string): never => { throw new Error(`schema line ${tokens[Math.min(p, tokens.length - 1)]?.line ?? '?'}: ${why}`); };
  const next = () => { if (p >= tokens.length) fail('unexpected end'); return tokens[p++].t; };
  const expect = (t: string) => { const got = next(); if (got !== t) fail(`expected ${t}, got ${got}`); };
  const schema: FbsSchema = { tables: {}, enums: {}, unions: {}, rootType: '' };
  const rawTables: Record<string, { name: string; type: string; default?: string; deprecated: boolean }[]> = {};
  const attrs = () => { const out: string[] = []; if (peek() !== '(') return out; next(); while (peek() !== ')') { const a = next(); if (peek() === ':') { next(); next(); } out.push(a); if (peek() === ',') next(); } next(); return out; };
  while (p < tokens.length) {
    const kw = next();
    if (kw === 'namespace' || kw === 'include') { while (next() !== ';'); continue; }
    if (kw === 'attribute' || kw === 'file_extension') { next(); expect(';'); continue; }
    if (kw === 'file_identifier') { schema.fileIdentifier = next().replace(/"/g, ''); expect(';'); continue; }
    if (kw === 'root_type') { schema.rootType = next(); expect(';'); continue; }
    if (kw === 'enum') {
      const name = next(); expect(':'); const scalar = SCALARS[next()] ?? fail('enum of a non-integer type');
      attrs(); expect('{');
      const values: Record<string, number> = {};
      let v = 0;
      while (peek() !== '}') { const k = next(); if (peek() === '=') { next(); v = Number(next()); } values[k] = v++; if (peek() === ',') next(); }
      next();
      schema.enums[name] = { scalar, values };
      continue;
    }
    if (kw === 'union') {
      const name = next(); attrs(); expect('{');
      const members: Record<number, string> = { 0: 'NONE' };
      let v = 1;
      while (peek() !== '}') { let m = next(); if (peek() === ':') { next(); m = next(); } if (peek() === '=') { next(); v = Number(next()); } members[v++] = m; if (peek() === ',') next(); }
      next();
      schema.unions[name] = members;
      continue;
    }
    if (kw === 'table' || kw === 'struct') {
      if (kw === 'struct') fail('structs are not read by this parser');
      const name = next(); attrs(); expect('{');
      const fields: { name: string; type: string; default?: string; deprecated: boolean }[] = [];
      while (peek() !== '}') {
        const fname = next(); expect(':');
        let type = next();
        if (type === '[') { type = `[${next()}]`; expect(']'); }
        let def: string | undefined;
        if (peek() === '=') { next(); def = next(); }
        const a = attrs();
        if (a.includes('id')) fail('explicit field ids are not read by this parser');
        expect(';');
        fields.push({ name: fname, type, default: def, deprecated: a.includes('deprecated') });
      }
      next();
      rawTables[name] = fields;
      continue;
    }
    fail(`unexpected ${kw}`);
  }
  const typeOf = (t: string): FbsType => {
    if (t.startsWith('[')) return { kind: 'vector', of: typeOf(t.slice(1, -1)) };
    if (t === 'string') return { kind: 'string' };
    if (SCALARS[t]) return { kind: 'scalar', scalar: SCALARS[t] };
    if (schema.enums[t]) return { kind: 'enum', name: t, scalar: schema.enums[t].scalar };
    if (schema.unions[t]) return { kind: 'union', name: t };
    if (rawTables[t]) return { kind: 'table', name: t };
    throw new Error(`schema: unknown type ${t}`);
  };
  for (const [name, fields] of Object.entries(rawTables)) {
    let slot = 0;
    schema.tables[name] = fields.map((f) => {
      const type = typeOf(f.type);
      if (type.kind === 'union') slot++; // the union's type field comes first
      const def = f.default == null ? undefined : type.kind === 'enum' ? schema.enums[type.name].values[f.default] ?? Number(f.default)
        : f.default === 'true' ? 1 : f.default === 'false' ? 0 : Number(f.default);
      return { name: f.name, slot: slot++, type, ...(def != null && !Number.isNaN(def) ? { default: def } : {}), ...(f.deprecated ? { deprecated: true as const } : {}) };
    });
  }
  return schema;
}
