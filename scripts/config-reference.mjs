#!/usr/bin/env node
// Writes docs/configuration.md: every environment variable each service reads, from its zod config
// schema (compiled, in dist/) and the JSDoc above each key (TypeScript source).
//   node scripts/config-reference.mjs           write the file
//   node scripts/config-reference.mjs --check   exit 1 when the file is not what would be written
import { existsSync, readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { hostname } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import prettier from 'prettier';
import ts from 'typescript';
import { z } from 'zod';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(import.meta.url);
const OUTPUT = join(root, 'docs', 'configuration.md');
const REGENERATE = 'node scripts/config-reference.mjs';

const SERVICES = [
  'orchestrator',
  'health-prober',
  'eval-runner',
  'traffic-shifter',
  'cache-manager',
  'drainer',
  'gateway',
];

const DIST_MISSING_MESSAGE =
  'config-reference: dist/ has no compiled config schemas; run `node scripts/build.mjs` first';
const MACHINE_DEFAULT_MESSAGE =
  'config-reference: a default depends on this machine; describe it in MACHINE_DEFAULTS';

const PER_SERVICE_DEFAULT = "each service's own (see its table)";

/** Shared groups of variables, each one table at the top: the schema and where it lives. */
const SHARED = [
  {
    schema: 'BaseServiceConfigSchema',
    title: 'Every service',
    intro: 'Every service reads these.',
  },
  {
    schema: 'KubeClientConfigSchema',
    title: 'Kubernetes API access',
    intro: 'Services that talk to a Kubernetes API server read these.',
  },
];
const SHARED_SOURCE = 'libs/contracts/src/config/config.util.ts';

/**
 * Defaults computed on the machine (host name, process id, checkout path, working directory):
 * written as words so the file is the same everywhere.
 */
const MACHINE_DEFAULTS = {
  POOL_PATH: "the repository's `bin/` (where `greenlight-sim` lives)",
  EVAL_SUITES_DIR: 'the working directory',
};

const schemaName = (service) =>
  `${service.replace(/(^|-)(\w)/g, (_, __, c) => c.toUpperCase())}ConfigSchema`;
const sourceOf = (service) => `services/${service}/src/config/${service}.config.ts`;

function loadCompiled(source, exportName) {
  const file = join(root, 'dist', source.replace(/\.ts$/, '.js'));
  if (!existsSync(file))
    throw new Error(`${DIST_MISSING_MESSAGE} (missing ${relative(root, file)})`);
  const schema = require(file)[exportName];
  if (!schema)
    throw new Error(`config-reference: ${relative(root, file)} exports no ${exportName}`);
  return schema;
}

// ---- descriptions: the JSDoc above each key, found with the TypeScript parser -------------

const parsed = new Map();
function parse(file) {
  if (!parsed.has(file)) {
    const text = readFileSync(file, 'utf8');
    parsed.set(file, ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true));
  }
  return parsed.get(file);
}

const aliases = JSON.parse(readFileSync(join(root, 'tsconfig.base.json'), 'utf8')).compilerOptions
  .paths;

function resolveModule(fromFile, specifier) {
  if (aliases[specifier]) return join(root, aliases[specifier][0]);
  if (!specifier.startsWith('.')) return undefined;
  const base = resolve(dirname(fromFile), specifier);
  return [`${base}.ts`, join(base, 'index.ts')].find((f) => existsSync(f));
}

/** The initializer of `const name = …` as seen from `file` (own declarations, imports, re-exports). */
function findConst(file, name, seen = new Set()) {
  if (seen.has(file)) return undefined;
  seen.add(file);
  const sf = parse(file);
  for (const stmt of sf.statements) {
    if (ts.isVariableStatement(stmt)) {
      for (const decl of stmt.declarationList.declarations) {
        if (ts.isIdentifier(decl.name) && decl.name.text === name && decl.initializer) {
          return { file, node: decl.initializer };
        }
      }
    }
  }
  for (const stmt of sf.statements) {
    const specifier = stmt.moduleSpecifier && stmt.moduleSpecifier.text;
    if (!specifier) continue;
    if (ts.isImportDeclaration(stmt)) {
      const bindings = stmt.importClause?.namedBindings;
      const imported =
        bindings && ts.isNamedImports(bindings)
          ? bindings.elements.find((e) => e.name.text === name)
          : undefined;
      if (imported) {
        const target = resolveModule(file, specifier);
        const original = (imported.propertyName ?? imported.name).text;
        return target && findConst(target, original, seen);
      }
    } else if (ts.isExportDeclaration(stmt) && !stmt.exportClause) {
      const target = resolveModule(file, specifier);
      const found = target && findConst(target, name, seen);
      if (found) return found;
    }
  }
  return undefined;
}

function jsdocAbove(node, sf) {
  const ranges = ts.getLeadingCommentRanges(sf.text, node.getFullStart()) ?? [];
  const last = ranges.at(-1);
  const text = last && sf.text.slice(last.pos, last.end);
  if (!text?.startsWith('/**')) return undefined;
  return text
    .replace(/^\/\*\*|\*\/$/g, '')
    .split('\n')
    .map((line) => line.replace(/^\s*\*?\s?/, '').trim())
    .filter(Boolean)
    .join(' ');
}

/** Keys of a schema expression -> JSDoc, following `.extend({…})`, `z.object({…})` and `...X.shape`. */
function describe(file, node, out = new Map()) {
  const sf = parse(file);
  if (ts.isIdentifier(node)) {
    const found = findConst(file, node.text);
    if (found) describe(found.file, found.node, out);
  } else if (ts.isPropertyAccessExpression(node)) {
    describe(file, node.expression, out);
  } else if (ts.isCallExpression(node)) {
    const callee = node.expression;
    const method = ts.isPropertyAccessExpression(callee) ? callee.name.text : undefined;
    if (method === 'extend' || method === 'object') {
      if (method === 'extend') describe(file, callee.expression, out);
      for (const arg of node.arguments) describe(file, arg, out);
    } else if (ts.isPropertyAccessExpression(callee)) {
      describe(file, callee.expression, out);
    }
  } else if (ts.isObjectLiteralExpression(node)) {
    for (const prop of node.properties) {
      if (ts.isSpreadAssignment(prop)) {
        describe(file, prop.expression, out);
      } else if (prop.name && (ts.isIdentifier(prop.name) || ts.isStringLiteral(prop.name))) {
        const doc = jsdocAbove(prop, sf);
        if (doc || !out.has(prop.name.text)) out.set(prop.name.text, doc);
      }
    }
  }
  return out;
}

function descriptions(source, exportName) {
  const file = join(root, source);
  const found = findConst(file, exportName);
  if (!found) throw new Error(`config-reference: ${source} declares no ${exportName}`);
  return describe(found.file, found.node);
}

// ---- variables: names, defaults and accepted values from z.toJSONSchema -----------------

/** Child schemas of a zod schema, to find the messages its checks carry. */
function children(schema) {
  const def = schema._zod.def;
  return [def.innerType, def.in, def.out, def.element].filter(Boolean);
}

/** `must be …` messages of the schema's own checks: the most precise wording there is. */
function mustBeMessages(schema, out = []) {
  const def = schema._zod.def;
  const errors = [def.error, ...(def.checks ?? []).map((c) => c._zod.def.error)];
  for (const error of errors) {
    let message;
    try {
      message = typeof error === 'function' ? error({ input: '?', code: 'custom' }) : error;
    } catch {
      message = undefined;
    }
    if (typeof message === 'object') message = message?.message;
    if (typeof message === 'string' && message.startsWith('must be ') && !out.includes(message)) {
      out.push(message);
    }
  }
  for (const child of children(schema)) mustBeMessages(child, out);
  return out;
}

/** `^(nats|tls)$` -> nats://, tls://; `^rediss?$` -> redis://, rediss://. */
function protocols(schema) {
  const protocol = schema._zod.def.protocol ?? children(schema).map(protocols).find(Boolean);
  if (!(protocol instanceof RegExp)) return protocol;
  const body = protocol.source.replace(/^\^\(?|\)?\$$/g, '');
  if (!/^[a-z|?]+$/.test(body)) return undefined;
  return body
    .split('|')
    .flatMap((p) => (p.endsWith('s?') ? [p.slice(0, -2), p.slice(0, -1)] : [p]))
    .map((p) => `${p}://`);
}

const code = (value) => `\`${value}\``;
const list = (items) =>
  items.length <= 1 ? items.join('') : `${items.slice(0, -1).join(', ')} or ${items.at(-1)}`;

function range(json) {
  const low =
    json.exclusiveMinimum !== undefined
      ? `> ${json.exclusiveMinimum}`
      : json.minimum !== undefined
        ? `≥ ${json.minimum}`
        : undefined;
  const high =
    json.exclusiveMaximum !== undefined
      ? `< ${json.exclusiveMaximum}`
      : json.maximum !== undefined
        ? `≤ ${json.maximum}`
        : undefined;
  if (json.minimum !== undefined && json.maximum !== undefined) {
    return `${json.minimum}–${json.maximum}`;
  }
  return [low, high].filter(Boolean).join(', ');
}

function accepted(schema, input, output) {
  const message = mustBeMessages(schema)[0];
  if (message) return message.slice('must be '.length);
  const enumValues = input.enum ?? output.items?.enum;
  if (enumValues) {
    const one = list(enumValues.map(code));
    return output.type === 'array' ? `comma-separated list of ${one}` : `one of ${one}`;
  }
  if (input.format === 'uri') {
    const schemes = protocols(schema);
    return schemes ? `a URL: ${list(schemes.map(code))}` : 'a URL';
  }
  const json = ['integer', 'number'].includes(output.type) ? output : input;
  if (json.type === 'integer' || json.type === 'number') {
    const bounds = range(json);
    return `${json.type === 'integer' ? 'an integer' : 'a number'}${bounds ? ` ${bounds}` : ''}`;
  }
  if (json.pattern) return `text matching ${code(json.pattern)}`;
  const length = [
    json.minLength !== undefined && `at least ${json.minLength}`,
    json.maxLength !== undefined && `at most ${json.maxLength}`,
  ].filter(Boolean);
  if (length.length === 1 && json.minLength === 1) return 'non-empty text';
  return length.length ? `text of ${length.join(', ')} characters` : 'text';
}

/** Values a default may hold that differ between machines (checked, never printed). */
function machineValues() {
  // `/` as the working directory would match every absolute path.
  return [root, process.cwd(), `${hostname()}-${process.pid}`].filter((v) => v.length > 1);
}

function formatDefault(name, value) {
  if (MACHINE_DEFAULTS[name]) return MACHINE_DEFAULTS[name];
  if (value === undefined) return undefined;
  const text = typeof value === 'string' ? value : JSON.stringify(value);
  if (machineValues().some((v) => text.includes(v))) {
    throw new Error(`${MACHINE_DEFAULT_MESSAGE} (${name})`);
  }
  return text === '' ? 'empty' : code(text);
}

/** One row per key the schema accepts, in the schema's order. */
function variables(schema, docs) {
  const input = z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' }).properties;
  const output = z.toJSONSchema(schema, { io: 'output', unrepresentable: 'any' }).properties;
  const shape = schema.shape ?? schema._zod.def.shape;
  // A key whose default cannot satisfy the schema (an empty token list, say) must be set.
  const parsed = schema.safeParse({});
  const required = new Set(parsed.success ? [] : parsed.error.issues.map((i) => i.path[0]));
  return Object.keys(input).map((name) => {
    const inJson = input[name];
    const outJson = output[name] ?? {};
    const optional = shape[name].safeParse(undefined).success;
    const fallback = inJson.default ?? outJson.default;
    const shown = formatDefault(name, fallback);
    return {
      name,
      default:
        required.has(name) || (!optional && shown === undefined) ? 'required' : (shown ?? 'unset'),
      accepted: accepted(shape[name], inJson, outJson),
      meaning: docs.get(name) ?? '',
    };
  });
}

// ---- markdown ------------------------------------------------------------------------------

const cell = (text) => text.replace(/\|/g, '\\|').replace(/\n/g, ' ');

function table(rows) {
  return [
    '| variable | default | accepted values | meaning |',
    '| --- | --- | --- | --- |',
    ...rows.map(
      (r) => `| ${[code(r.name), r.default, r.accepted, r.meaning].map(cell).join(' | ')} |`,
    ),
  ].join('\n');
}

const same = (a, b) => a.default === b.default && a.accepted === b.accepted;

function collect() {
  const shared = SHARED.map((group) => ({
    ...group,
    rows: variables(
      loadCompiled(SHARED_SOURCE, group.schema),
      descriptions(SHARED_SOURCE, group.schema),
    ),
    users: [],
  }));
  const services = SERVICES.map((service) => {
    const exportName = schemaName(service);
    const source = sourceOf(service);
    const rows = variables(loadCompiled(source, exportName), descriptions(source, exportName));
    const names = new Set(rows.map((r) => r.name));
    const groups = shared.filter((g) => g.rows.every((r) => names.has(r.name)));
    for (const group of groups) group.users.push(service);
    // A shared variable this service reads unchanged is documented once, in the shared table.
    const own = rows.filter(
      (row) => !groups.some((g) => g.rows.some((r) => r.name === row.name && same(r, row))),
    );
    return { service, source, rows, own };
  });
  // A shared variable every service sets its own way (PORT) has no one default to show.
  for (const group of shared) {
    for (const row of group.rows) {
      const overridden = services.filter(
        (s) => group.users.includes(s.service) && s.own.some((r) => r.name === row.name),
      );
      if (overridden.length === group.users.length) row.default = PER_SERVICE_DEFAULT;
    }
  }
  return { shared, services };
}

async function render() {
  const { shared, services } = collect();
  const parts = [
    '# Configuration',
    `<!-- Generated by ${REGENERATE} from the services' zod config schemas; do not edit. -->`,
    `Generated from each service's config schema (\`services/<name>/src/config/<name>.config.ts\`, built on \`${SHARED_SOURCE}\`); regenerate with \`npm run docs:config\` (\`${REGENERATE}\`) after \`node scripts/build.mjs\`, and check it with \`${REGENERATE} --check\`.`,
    'Every setting is an environment variable, read once when the service starts. An empty variable counts as unset; a bad value stops the service with a message naming the variable.',
  ];
  for (const group of shared) {
    parts.push(
      `## ${group.title}`,
      `${group.intro} Read by: ${group.users.map(code).join(', ')}.`,
      table(group.rows),
    );
  }
  for (const { service, source, own } of services) {
    parts.push(`## ${service}`, `Schema: [\`${source}\`](../${source}).`, table(own));
  }
  const text = `${parts.join('\n\n')}\n`;
  const options = (await prettier.resolveConfig(OUTPUT)) ?? {};
  return prettier.format(text, { ...options, filepath: OUTPUT });
}

function firstDifference(expected, actual) {
  const want = expected.split('\n');
  const have = actual.split('\n');
  for (let i = 0; i < Math.max(want.length, have.length); i++) {
    if (want[i] !== have[i]) {
      return `line ${i + 1}:\n- ${have[i] ?? '(end of file)'}\n+ ${want[i] ?? '(end of file)'}`;
    }
  }
  return '';
}

async function main() {
  const check = process.argv.includes('--check');
  const expected = await render();
  const where = relative(root, OUTPUT);
  if (check) {
    const actual = existsSync(OUTPUT) ? readFileSync(OUTPUT, 'utf8') : '';
    if (actual === expected) {
      console.log(`${where} is current`);
      return;
    }
    console.error(
      `${where} is out of date; run \`${REGENERATE}\`.\nFirst difference, ${firstDifference(expected, actual)}`,
    );
    process.exitCode = 1;
    return;
  }
  mkdirSync(dirname(OUTPUT), { recursive: true });
  writeFileSync(OUTPUT, expected);
  console.log(`wrote ${where}`);
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main().catch((error) => {
    console.error(error instanceof Error ? error.message : error);
    process.exitCode = 1;
  });
}
