#!/usr/bin/env node
// Offline Neo4j 5 lint of Cypher files.
//
// Runs every file through @neo4j-cypher/language-support's lintCypherQuery, which bundles Neo4j's
// own parser and semantic analysis (compiled to JavaScript), so it catches what a Neo4j 5 server
// would reject (`exists(n.prop)`, implicit grouping keys in aggregations, undefined variables,
// wrong argument counts or types, ...) without a database.
//
// Usage: node lint.mjs [options] PATH...
//   PATH                 a .cypher file, or a directory (its *.cypher files, recursively, sorted)
//   --json               print one JSON document instead of text lines
//   --schema FILE        JSON object merged into the dbSchema (labels, relationshipTypes,
//                        propertyKeys, parameters, graphSchema, ...); unknown labels, relation
//                        types and properties then come out as warnings
//   --plugins LIST       comma-separated procedure/function namespaces to accept besides Neo4j's
//                        built-ins, from the package's bundled catalogue (e.g. apoc,gds)
//   --no-catalog         do not check function and procedure names against any catalogue
//   --allow-multiple-statements
//                        accept files holding more than one statement (default: an error)
//
// Every `$name` parameter a file uses is declared for that file, so parameters are never flagged.
// Placeholders such as `__Kind__` and `__REL__` are plain identifiers and are linted as written.
//
// Output (text): one line per diagnostic, `path:line:col: error|warning: message` (1-based), then
// a summary line. Exit status: 0 no errors, 1 at least one lint error, 2 a file was missing,
// unreadable or empty (no statement) or the command line was wrong.

import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import process from 'node:process';
import {
  lintCypherQuery,
  parseParameters,
  parseStatementsStrs,
  testData,
} from '@neo4j-cypher/language-support';

const CYPHER_VERSIONS = ['CYPHER 5', 'CYPHER 25'];
const BUILTIN_PROCEDURE_NAMESPACES = ['db', 'dbms', 'tx'];
const SEVERITY = { 1: 'error', 2: 'warning', 3: 'info', 4: 'hint' };

function usage(message) {
  if (message) process.stderr.write(`cypher-lint: ${message}\n`);
  process.stderr.write(
    'usage: node lint.mjs [--json] [--schema FILE.json] [--plugins apoc,gds] [--no-catalog]\n' +
      '                     [--allow-multiple-statements] PATH...\n',
  );
  process.exit(2);
}

function parseArgs(argv) {
  const opts = { json: false, schema: null, plugins: [], catalog: true, multi: false, paths: [] };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const value = () => {
      if (i + 1 >= argv.length) usage(`${arg} needs a value`);
      return argv[++i];
    };
    if (arg === '--json') opts.json = true;
    else if (arg === '--schema') opts.schema = value();
    else if (arg.startsWith('--schema=')) opts.schema = arg.slice('--schema='.length);
    else if (arg === '--plugins') opts.plugins = value().split(',').filter(Boolean);
    else if (arg.startsWith('--plugins=')) opts.plugins = arg.slice(10).split(',').filter(Boolean);
    else if (arg === '--no-catalog') opts.catalog = false;
    else if (arg === '--allow-multiple-statements') opts.multi = true;
    else if (arg === '-h' || arg === '--help') usage();
    else if (arg === '--') opts.paths.push(...argv.slice(i + 1)), (i = argv.length);
    else if (arg.startsWith('--')) usage(`unknown option ${arg}`);
    else opts.paths.push(arg);
  }
  if (opts.paths.length === 0) usage('no file or directory given');
  return opts;
}

// Function and procedure signatures of a real Neo4j 5 / 2025 server, as shipped in the package
// (its test fixture `testData.mockSchema`). Kept: built-in functions, the db/dbms/tx procedures,
// plus whatever namespaces --plugins names. With a catalogue, unknown names and misused
// procedure outputs become errors, as on a server.
function catalogue(plugins) {
  const inPlugin = (name) => plugins.some((p) => name === p || name.startsWith(`${p}.`));
  const functions = {};
  const procedures = {};
  for (const version of CYPHER_VERSIONS) {
    functions[version] = {};
    procedures[version] = {};
    for (const [name, fn] of Object.entries(testData.mockSchema.functions?.[version] ?? {})) {
      if (fn.isBuiltIn || inPlugin(name)) functions[version][name] = fn;
    }
    for (const [name, proc] of Object.entries(testData.mockSchema.procedures?.[version] ?? {})) {
      const namespace = name.split('.')[0];
      if (BUILTIN_PROCEDURE_NAMESPACES.includes(namespace) || inPlugin(name)) {
        procedures[version][name] = proc;
      }
    }
  }
  return { functions, procedures };
}

function collectFiles(paths, problems) {
  const files = [];
  const walk = (dir) => {
    let entries;
    try {
      entries = readdirSync(dir, { withFileTypes: true });
    } catch (err) {
      problems.push({ path: dir, problem: `unreadable directory (${err.code ?? err.message})` });
      return;
    }
    entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    for (const entry of entries) {
      const full = join(dir, entry.name);
      if (entry.isDirectory()) walk(full);
      else if (entry.name.endsWith('.cypher')) files.push(full);
    }
  };
  for (const path of paths) {
    let stats;
    try {
      stats = statSync(path);
    } catch (err) {
      problems.push({ path, problem: `cannot read file (${err.code ?? err.message})` });
      continue;
    }
    if (stats.isDirectory()) walk(path);
    else files.push(path);
  }
  return files;
}

function toDiagnostic(d) {
  return {
    severity: SEVERITY[d.severity] ?? 'error',
    line: d.range.start.line + 1,
    column: d.range.start.character + 1,
    endLine: d.range.end.line + 1,
    endColumn: d.range.end.character + 1,
    message: d.message,
  };
}

function lintFile(path, baseSchema, opts) {
  let text;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    return { path, problem: `cannot read file (${err.code ?? err.message})`, diagnostics: [] };
  }
  if (text.trim().length === 0) {
    return { path, problem: 'empty file', diagnostics: [] };
  }
  const statements = parseStatementsStrs(text).filter((s) => !/^\s*(\/\/[^\n]*\s*|\/\*[\s\S]*?\*\/\s*)*$/.test(s));
  if (statements.length === 0) {
    return { path, problem: 'no Cypher statement (only comments)', diagnostics: [] };
  }

  const parameters = { ...(baseSchema.parameters ?? {}) };
  for (const name of parseParameters(text, false)) {
    if (!(name in parameters)) parameters[name] = null;
  }
  const schema = { ...baseSchema, parameters };
  const { diagnostics } = lintCypherQuery(text, schema, { consoleCommandsEnabled: false });
  const result = diagnostics.map(toDiagnostic);
  if (statements.length > 1 && !opts.multi) {
    result.unshift({
      severity: 'error',
      line: 1,
      column: 1,
      endLine: 1,
      endColumn: 1,
      message: `expected one Cypher statement per file, found ${statements.length}`,
    });
  }
  return { path, problem: null, diagnostics: result };
}

function main() {
  const opts = parseArgs(process.argv.slice(2));

  let baseSchema = { defaultLanguage: 'CYPHER 5' };
  if (opts.catalog) baseSchema = { ...baseSchema, ...catalogue(opts.plugins) };
  if (opts.schema) {
    try {
      baseSchema = { ...baseSchema, ...JSON.parse(readFileSync(opts.schema, 'utf8')) };
    } catch (err) {
      usage(`cannot load --schema ${opts.schema}: ${err.message}`);
    }
  }

  const started = performance.now();
  const problems = [];
  const files = collectFiles(opts.paths, problems);
  const results = problems.map((p) => ({ ...p, diagnostics: [] }));
  for (const file of files) results.push(lintFile(file, baseSchema, opts));

  const count = (sev) =>
    results.reduce((n, r) => n + r.diagnostics.filter((d) => d.severity === sev).length, 0);
  const summary = {
    files: files.length,
    errors: count('error'),
    warnings: count('warning'),
    problems: results.filter((r) => r.problem).length,
    seconds: Number(((performance.now() - started) / 1000).toFixed(3)),
  };
  const exitCode = summary.problems > 0 ? 2 : summary.errors > 0 ? 1 : 0;

  if (opts.json) {
    process.stdout.write(JSON.stringify({ files: results, summary }, null, 2) + '\n');
  } else {
    const lines = [];
    for (const r of results) {
      if (r.problem) lines.push(`${r.path}: error: ${r.problem}`);
      for (const d of r.diagnostics) {
        const message = d.message.replace(/\s*\n\s*/g, ' ');
        lines.push(`${r.path}:${d.line}:${d.column}: ${d.severity}: ${message}`);
      }
    }
    lines.push(
      `cypher-lint: ${summary.files} file(s), ${summary.errors} error(s), ` +
        `${summary.warnings} warning(s), ${summary.problems} unreadable/empty ` +
        `in ${summary.seconds}s`,
    );
    process.stdout.write(lines.join('\n') + '\n');
  }
  process.exitCode = exitCode;
}

main();
