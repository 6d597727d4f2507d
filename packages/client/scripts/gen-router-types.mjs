// Writes src/app-router.gen.ts: a self-contained copy of the API's router type (every procedure's
// input and output spelled out as plain JSON types), so the published .d.ts needs neither
// @fivecolor/api nor its server dependencies (drizzle, hono, pino …) to resolve.
//
//   node scripts/gen-router-types.mjs          write the file
//   node scripts/gen-router-types.mjs --check  exit 1 when the file is stale
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

const pkgDir = join(dirname(fileURLToPath(import.meta.url)), '..');
const outFile = join(pkgDir, 'src/app-router.gen.ts');
const probeFile = join(pkgDir, 'src/__router-probe__.ts');
const probeSource = `
import type { AppRouter } from '@fivecolor/api';
import type { inferRouterInputs, inferRouterOutputs } from '@trpc/server';
export type Rec = AppRouter['_def']['record'];
export type In = inferRouterInputs<AppRouter>;
export type Out = inferRouterOutputs<AppRouter>;
`;

const options = {
  target: ts.ScriptTarget.ES2022,
  module: ts.ModuleKind.NodeNext,
  moduleResolution: ts.ModuleResolutionKind.NodeNext,
  strict: true,
  exactOptionalPropertyTypes: true,
  skipLibCheck: true,
  noEmit: true,
};
const host = ts.createCompilerHost(options);
const readFile = host.readFile.bind(host);
const getSourceFile = host.getSourceFile.bind(host);
host.fileExists = (
  (orig) => (f) =>
    f === probeFile || orig(f)
)(host.fileExists.bind(host));
host.readFile = (f) => (f === probeFile ? probeSource : readFile(f));
host.getSourceFile = (f, lang, ...rest) =>
  f === probeFile ? ts.createSourceFile(f, probeSource, lang) : getSourceFile(f, lang, ...rest);
const program = ts.createProgram([probeFile], options, host);
const errors = ts.getPreEmitDiagnostics(program).filter((d) => d.file?.fileName === probeFile);
if (errors.length) {
  console.error(ts.formatDiagnostics(errors, host));
  console.error('Build @fivecolor/api first: pnpm --filter @fivecolor/api build');
  process.exit(1);
}
const checker = program.getTypeChecker();
const probe = program.getSourceFile(probeFile);
const exported = Object.fromEntries(
  checker
    .getExportsOfModule(checker.getSymbolAtLocation(probe))
    .map((s) => [s.name, checker.getDeclaredTypeOfSymbol(s)]),
);

const prop = (type, name) => {
  const s = type.getProperty(name);
  return s ? checker.getTypeOfSymbol(s) : undefined;
};
const IDENT = /^[A-Za-z_$][\w$]*$/;
const key = (name) => (IDENT.test(name) ? name : JSON.stringify(name));

/** A type as TypeScript source made only of primitives, literals, objects, arrays and unions. */
function print(type, indent = '', depth = 0) {
  if (depth > 40) throw new Error(`type too deep: ${checker.typeToString(type)}`);
  const f = type.flags;
  const F = ts.TypeFlags;
  if (f & F.Any) return 'any';
  if (f & F.Unknown) return 'unknown';
  if (f & F.Never) return 'never';
  if (f & F.String) return 'string';
  if (f & F.Number) return 'number';
  if (f & F.Boolean) return 'boolean';
  if (f & F.BigInt) return 'bigint';
  if (f & F.Null) return 'null';
  if (f & F.Undefined) return 'undefined';
  if (f & F.Void) return 'void';
  if (f & F.StringLiteral) return `'${type.value.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
  if (f & F.NumberLiteral) return String(type.value);
  if (f & F.BooleanLiteral) return checker.typeToString(type);
  if (type.isUnion()) {
    const parts = type.types.map((t) => print(t, indent, depth + 1));
    const hasTrue = parts.includes('true');
    const hasFalse = parts.includes('false');
    const merged =
      hasTrue && hasFalse ? [...parts.filter((p) => p !== 'true' && p !== 'false'), 'boolean'] : parts;
    return [...new Set(merged)].map((p) => (p.includes('=>') ? `(${p})` : p)).join(' | ');
  }
  if (type.isIntersection()) return type.types.map((t) => print(t, indent, depth + 1)).join(' & ');
  if (checker.isTupleType(type)) {
    return `[${checker
      .getTypeArguments(type)
      .map((t) => print(t, indent, depth + 1))
      .join(', ')}]`;
  }
  if (checker.isArrayType(type)) {
    const [item] = checker.getTypeArguments(type);
    const el = print(item, indent, depth + 1);
    const ro = type.symbol?.name === 'ReadonlyArray' ? 'readonly ' : '';
    // A union of objects starts with '{' too: `({…} | {…})[]`, not `{…} | {…}[]`.
    const compound = (item.isUnion() || item.isIntersection()) && /[|&]/.test(el);
    return compound || (/[|&\s]/.test(el) && !el.startsWith('{')) ? `${ro}(${el})[]` : `${ro}${el}[]`;
  }
  if (f & F.Object) {
    if (type.getCallSignatures().length) {
      throw new Error(`a function type is not JSON: ${checker.typeToString(type)}`);
    }
    const inner = `${indent}  `;
    const lines = [];
    for (const info of checker.getIndexInfosOfType(type)) {
      lines.push(`${inner}[k: ${print(info.keyType)}]: ${print(info.type, inner, depth + 1)};`);
    }
    for (const p of checker.getPropertiesOfType(type)) {
      const optional = p.flags & ts.SymbolFlags.Optional ? '?' : '';
      const t = checker.getTypeOfSymbol(p);
      // An output's `key?: undefined` (a field this member of a union does not carry) as a type tRPC's
      // inferred output keeps: it drops a key typed `undefined`.
      const absent = printingOutput && optional && t.flags & ts.TypeFlags.Undefined;
      lines.push(`${inner}${key(p.name)}${optional}: ${absent ? 'Absent' : print(t, inner, depth + 1)};`);
    }
    return lines.length ? `{\n${lines.join('\n')}\n${indent}}` : 'Record<string, never>';
  }
  throw new Error(`unsupported type: ${checker.typeToString(type)}`);
}

/** Set while an output is printed (see `Absent`). */
let printingOutput = false;

const procedures = [];
/** Walks the router record: a procedure has `_def.procedure`; anything else is a nested record. */
function walk(rec, path, inputs, outputs, indent) {
  const lines = [];
  for (const p of checker.getPropertiesOfType(rec)) {
    const t = checker.getTypeOfSymbol(p);
    const def = prop(t, '_def');
    const name = [...path, p.name];
    const inner = `${indent}  `;
    if (def && prop(def, 'procedure')) {
      const kind = prop(def, 'type');
      const procType = kind?.isStringLiteral() ? kind.value : undefined;
      if (procType !== 'query' && procType !== 'mutation') {
        throw new Error(`${name.join('.')}: unsupported procedure type ${procType}`);
      }
      const input = prop(inputs, p.name);
      const output = prop(outputs, p.name);
      const acceptsKey = Boolean(
        input && checker.getPropertiesOfType(input).some((s) => s.name === 'idempotencyKey'),
      );
      procedures.push({ path: name.join('.'), type: procType, acceptsKey });
      const proc = procType === 'query' ? 'Query' : 'Mutation';
      const inputText = print(input, inner);
      printingOutput = true;
      const outputText = print(output, inner);
      printingOutput = false;
      lines.push(
        `${indent}${key(p.name)}: ${proc}<\n${inner}${inputText},\n${inner}${outputText}\n${indent}>;`,
      );
    } else {
      const sub = walk(t, name, prop(inputs, p.name), prop(outputs, p.name), inner);
      lines.push(`${indent}${key(p.name)}: {\n${sub}\n${indent}};`);
    }
  }
  return lines.join('\n');
}

const body = walk(exported.Rec, [], exported.In, exported.Out, '  ');
const mutations = procedures.filter((p) => p.type === 'mutation');
const source = `// Generated by scripts/gen-router-types.mjs from @fivecolor/api's AppRouter: do not edit.
// Run \`pnpm --filter @fivecolor/client run gen\` after changing the API's procedures.
import type {
  TRPC_ERROR_CODE_KEY,
  TRPC_ERROR_CODE_NUMBER,
  TRPCBuiltRouter,
  TRPCMutationProcedure,
  TRPCQueryProcedure,
} from '@trpc/server';

/** The error shape the API sends (tRPC's, without a stack). */
export interface ErrorShape {
  message: string;
  code: TRPC_ERROR_CODE_NUMBER;
  data: { code: TRPC_ERROR_CODE_KEY; httpStatus: number; path?: string };
}

/**
 * A field that a member of an output union does not carry (\`record?: Absent\`): absent from the JSON.
 * tRPC infers an output as its JSON, which drops a key typed \`undefined\`; this one comes out as
 * \`record?: undefined\`, so that \`item.record?.recordId\` reads on an item not yet narrowed. Never a value.
 */
interface Absent {
  toJSON(): undefined;
}

type Query<I, O> = TRPCQueryProcedure<{ input: I; output: O; meta: object }>;
type Mutation<I, O> = TRPCMutationProcedure<{ input: I; output: O; meta: object }>;

/** The API's router type: procedures, their inputs and their (JSON) outputs. */
export type AppRouter = TRPCBuiltRouter<
  { ctx: object; meta: object; errorShape: ErrorShape; transformer: false },
  {
${body}
  }
>;

/** Mutations whose input accepts an \`idempotencyKey\` (the server replays the first response for a repeated key). */
export const IDEMPOTENT_MUTATIONS: ReadonlySet<string> = new Set([
${mutations
  .filter((p) => p.acceptsKey)
  .map((p) => `  '${p.path}',`)
  .join('\n')}
]);
`;

if (process.argv.includes('--check')) {
  let current = '';
  try {
    current = readFileSync(outFile, 'utf8');
  } catch {}
  if (current !== source) {
    console.error(`${outFile} is stale: run node scripts/gen-router-types.mjs`);
    process.exit(1);
  }
  console.log('app-router.gen.ts is up to date');
} else {
  writeFileSync(outFile, source);
  console.log(`wrote ${outFile}: ${procedures.length} procedures, ${mutations.length} mutations`);
}
