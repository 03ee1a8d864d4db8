#!/usr/bin/env node
// `npm run bench:table`: writes the tables of bench/README.md's "last run" sections from the
// results files, so that the figures in the documentation are the ones measured, never copied by
// hand: `npm run bench` -> bench/results/latest.json, `npm run bench:scale` ->
// bench/results/scale-latest.json, `npm run soak` -> bench/results/soak-latest.json. Each table
// goes between `<!-- table:<name> -->` and `<!-- /table:<name> -->` (name: bench, scale, soak).
// `npm run bench` runs it at the end of a whole run. `--check` only says whether the README
// matches the results (exit 1 when not).
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const README = path.join(ROOT, 'bench', 'README.md');
const RESULTS = path.join(ROOT, 'bench', 'results');

const number = (v, digits = 1) =>
  v === null || v === undefined || Number.isNaN(v)
    ? '–'
    : Number(v).toLocaleString('en', { maximumFractionDigits: digits, minimumFractionDigits: 0 });
const verdict = (met) => (met === null || met === undefined ? 'report' : met ? '**yes**' : 'no');
const latencies = (c) => (c.p50Ms === undefined ? '' : `${number(c.p50Ms)} / ${number(c.p95Ms)} / ${number(c.p99Ms)}`);
const when = (r) => `${r.at.slice(0, 16).replace('T', ' ')} UTC`;
const machineLine = (r) =>
  `${r.machine.cpus} × ${r.machine.model}, ${r.machine.memory}, Node ${r.machine.node}; ${when(r)}; ${number(r.durationSeconds, 0)} s${r.complete ? '' : ' (cut short)'}`;

function table(header, rows) {
  const line = (cells) => `| ${cells.join(' | ')} |`;
  return [line(header), line(header.map(() => '---')), ...rows.map(line)].join('\n');
}

/** `npm run bench`: one row per case. */
export function benchTable(report) {
  const rows = report.cases.map((c) => {
    const loads = c.closedLoop
      ? `${number(c.closedLoop.karavan?.reqPerSec, 0)} vs ${number(c.closedLoop.baseline?.reqPerSec, 0)}`
      : c.express
        ? `${number(c.express.reqPerSec, 0)} vs ${number(c.nodeHttp.reqPerSec, 0)}`
        : c.plain
          ? `${number(c.plain.reqPerSec, 0)} vs ${number(c.insert.reqPerSec, 0)}`
          : '';
    return [c.name, number(c.ratio, 3), c.target ?? '', loads, latencies(c), verdict(c.met)];
  });
  return `${machineLine(report)}\n\n${table(
    ['case', 'ratio', 'target', 'req/s closed loop (Karavan vs baseline)', 'p50 / p95 / p99 ms', 'met'],
    rows,
  )}`;
}

/** `npm run bench:scale`: one row per figure. */
export function scaleTable(report) {
  const rows = report.figures.map((f) => {
    const alone = f.oneAtATime
      ? `${number(f.oneAtATime.karavan.p50Ms)} / ${number(f.oneAtATime.karavan.p95Ms)} (${number(f.oneAtATime.baseline.p50Ms)} / ${number(f.oneAtATime.baseline.p95Ms)})`
      : '';
    const value =
      f.seconds !== undefined
        ? `${number(f.seconds)} s`
        : f.readySeconds !== undefined
          ? `ready ${number(f.readySeconds)} s, first query ${number(f.firstQuerySeconds)} s`
          : latencies(f);
    return [f.name, f.target ?? '', alone, value, verdict(f.met)];
  });
  return `${machineLine(report)}\n\n${table(
    [
      'figure',
      'target',
      'one at a time p50 / p95 ms (bare baseline)',
      'at half the maximum rate p50 / p95 / p99 ms',
      'met',
    ],
    rows,
  )}`;
}

/** `npm run soak`: the checks. */
export function soakTable(report) {
  const rows = Object.entries(report.checks).map(([name, c]) => [
    name,
    `${number(c.value)}${c.unit ? ` ${c.unit}` : ''}`,
    c.target,
    verdict(c.met),
  ]);
  const l = report.latencyMs;
  return `${report.machine.cpus} × ${report.machine.model}; ${when(report)}; ${report.minutes} min at ${report.rate} req/s (half of ${report.maxRate}), ${number(report.requests, 0)} requests, latency p50 / p95 / p99 ${number(l.p50)} / ${number(l.p95)} / ${number(l.p99)} ms\n\n${table(['check', 'value', 'target', 'met'], rows)}`;
}

const SOURCES = [
  ['bench', 'latest.json', benchTable],
  ['scale', 'scale-latest.json', scaleTable],
  ['soak', 'soak-latest.json', soakTable],
];

/** The README with every table whose markers and results file exist rewritten. */
export function renderReadme(text, read = (file) => JSON.parse(fs.readFileSync(path.join(RESULTS, file), 'utf8'))) {
  let out = text;
  for (const [name, file, render] of SOURCES) {
    const open = `<!-- table:${name} -->`;
    const close = `<!-- /table:${name} -->`;
    const start = out.indexOf(open);
    const end = out.indexOf(close);
    if (start < 0 || end < start) continue;
    let report;
    try {
      report = read(file);
    } catch {
      continue;
    }
    out = `${out.slice(0, start + open.length)}\n\n${render(report)}\n\n${out.slice(end)}`;
  }
  return out;
}

/** The README with its tables rewritten, formatted as `npm run lint` wants it (prettier). */
async function renderedReadme(before) {
  const prettier = await import('prettier');
  const options = (await prettier.resolveConfig(README)) ?? {};
  return prettier.format(renderReadme(before), { ...options, filepath: README });
}

/** Rewrites bench/README.md's tables from the results files; true when something changed. */
export async function writeReadmeTables() {
  const before = fs.readFileSync(README, 'utf8');
  const after = await renderedReadme(before);
  if (after !== before) fs.writeFileSync(README, after);
  console.log(after === before ? 'bench/README.md already matches the results' : 'bench/README.md: tables rewritten');
  return after !== before;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  if (process.argv.includes('--check')) {
    const before = fs.readFileSync(README, 'utf8');
    const same = (await renderedReadme(before)) === before;
    console.log(same ? 'bench/README.md matches the results' : 'bench/README.md differs from the results');
    process.exit(same ? 0 : 1);
  }
  await writeReadmeTables();
}
