// The code blocks of the documentation pages, as programs the test suite runs
// (docs/examples/docs.test.ts) and mirrors as typechecked files (docs/examples/sync.mjs).
//
// How a page marks its blocks (the first word after the fence is the language; GitHub highlights
// by it and ignores the rest):
//
//   ```ts               a program: complete, imports included; runs as written with Node once
//                       esbuild has stripped its types
//   ```ts continued     appended to the page's previous program (a walk-through in steps)
//   ```ts fragment      shown only: not runnable on its own (keep these rare)
//   ```js file=NAME     a file the programs use (e.g. a user-kernel module), written next to them
//   ```ts file=NAME.ts  the same in TypeScript: typechecked with the programs, run as NAME.js (the
//                       programs import it as './NAME.js')
//   ```sh               run when every command in it is `tessera …` (as `node packages/cli/dist/bin.js …`);
//                       blocks with other commands (npm, node scripts/…) are about the workspace
//                       itself and are not run
//   ```python           the same job in Python, for comparison: run with python3 when it has
//                       numpy, dask and scikit-learn (skipped, and said so, when it has not)
//
// The steps of a page (programs and shell blocks) run in document order in one directory per
// page, which starts with the fixtures `data/` and `data.arrow` (FIXTURE below), or empty when
// the page contains the line `<!-- examples: empty directory -->`.
import { readFileSync, readdirSync } from 'node:fs';
import { basename, join } from 'node:path';

/** What the test puts in each page's directory, and how it is made (the docs say so too). */
export const FIXTURE = {
  'data/': ['generate', '--rows', '200000', '--chunk-rows', '20000', '--out', 'data/'],
  'data.arrow': ['generate', '--rows', '200000', '--chunk-rows', '20000', '--format', 'arrow', '--out', 'data.arrow'],
};

export const EMPTY_DIR_MARKER = '<!-- examples: empty directory -->';

const FLAGS = new Set(['continued', 'fragment']);
const TS = new Set(['ts', 'typescript']);
const JS = new Set(['js', 'javascript', 'mjs']);
const SH = new Set(['sh', 'bash', 'shell']);
const PY = new Set(['python', 'py']);

/**
 * The fenced code blocks of a markdown text.
 * @param {string} text
 * @param {string} page  for messages, e.g. 'docs/concepts.md'
 */
export function codeBlocks(text, page) {
  const lines = text.split('\n');
  const blocks = [];
  for (let i = 0; i < lines.length; i++) {
    const open = /^(\s*)(`{3,}|~{3,})\s*([^\s`]*)\s*(.*)$/.exec(lines[i]);
    if (!open) continue;
    const [, indent, fence, lang, info] = open;
    const body = [];
    let j = i + 1;
    for (; j < lines.length; j++) {
      const l = lines[j];
      if (l.trim().startsWith(fence[0].repeat(fence.length)) && l.trim().replace(/[`~]/g, '') === '') break;
      body.push(l.startsWith(indent) ? l.slice(indent.length) : l.trimStart());
    }
    if (j === lines.length) throw new Error(`${page}:${i + 1}: code block never closed.`);
    const words = info.trim() === '' ? [] : info.trim().split(/\s+/);
    blocks.push({ lang: lang.toLowerCase(), words, code: body.join('\n'), line: i + 1 });
    i = j;
  }
  return blocks;
}

/**
 * Splits a shell block into commands (arrays of words): comments, quotes and `\` line
 * continuations as a POSIX shell reads them (no variables, globs or pipes).
 * @param {string} code
 */
export function shellCommands(code) {
  const commands = [];
  let words = [];
  let word = null;
  let quote = null;
  const end = () => {
    if (word !== null) words.push(word);
    word = null;
  };
  for (let i = 0; i < code.length; i++) {
    const c = code[i];
    if (quote) {
      if (c === quote) quote = null;
      else if (c === '\\' && quote === '"' && i + 1 < code.length) word += code[++i];
      else word += c;
    } else if (c === "'" || c === '"') {
      quote = c;
      word ??= '';
    } else if (c === '\\' && code[i + 1] === '\n') {
      i++;
    } else if (c === '\\') {
      word = (word ?? '') + (code[++i] ?? '');
    } else if (c === '#' && word === null) {
      while (i < code.length && code[i] !== '\n') i++;
      i--;
    } else if (c === '\n' || c === ';') {
      end();
      if (words.length) commands.push(words);
      words = [];
    } else if (c === ' ' || c === '\t') {
      end();
    } else {
      word = (word ?? '') + c;
    }
  }
  if (quote) throw new Error(`unclosed ${quote} in shell block`);
  end();
  if (words.length) commands.push(words);
  return commands;
}

/**
 * A page's programs, support files and runnable shell blocks, in document order.
 * @param {string} text  the page's markdown
 * @param {string} page  its path from the repository root, e.g. 'docs/concepts.md'
 */
export function pageExamples(text, page) {
  const stem = basename(page, '.md').toLowerCase();
  const programs = [];
  const files = [];
  const steps = [];
  let fragments = 0;
  let skippedShell = 0;
  for (const b of codeBlocks(text, page)) {
    const where = `${page}:${b.line}`;
    if (TS.has(b.lang) || JS.has(b.lang)) {
      const file = b.words.find((w) => w.startsWith('file='));
      const flags = b.words.filter((w) => !w.startsWith('file='));
      const unknown = flags.filter((w) => !FLAGS.has(w));
      if (unknown.length) throw new Error(`${where}: unknown code block marker '${unknown[0]}' (known: continued, fragment, file=NAME).`);
      if (file) {
        const name = file.slice('file='.length);
        if (!/^[\w.-]+$/.test(name)) throw new Error(`${where}: file=${name} must be a plain file name.`);
        if (flags.length) throw new Error(`${where}: a file=NAME block takes no other marker.`);
        files.push({ name, code: b.code.endsWith('\n') ? b.code : `${b.code}\n`, line: b.line });
      } else if (flags.includes('fragment')) {
        fragments++;
      } else if (JS.has(b.lang)) {
        throw new Error(
          `${where}: a JavaScript block must be a support file (\`\`\`js file=NAME) or a fragment; programs are TypeScript (\`\`\`ts).`,
        );
      } else if (flags.includes('continued')) {
        const prev = programs[programs.length - 1];
        if (!prev) throw new Error(`${where}: \`\`\`ts continued, but no program comes before it on this page.`);
        prev.parts.push({ code: b.code, line: b.line });
        // The program runs where its last part is.
        const at = steps.findIndex((s) => s.program === prev);
        steps.splice(at, 1);
        steps.push({ kind: 'program', program: prev });
      } else {
        const program = { name: `${stem}-${String(programs.length + 1).padStart(2, '0')}`, page, parts: [{ code: b.code, line: b.line }] };
        programs.push(program);
        steps.push({ kind: 'program', program });
      }
    } else if (PY.has(b.lang)) {
      if (b.words.length) throw new Error(`${where}: python blocks take no markers.`);
      steps.push({ kind: 'python', line: b.line, code: b.code });
    } else if (SH.has(b.lang)) {
      if (b.words.length) throw new Error(`${where}: shell blocks take no markers.`);
      const commands = shellCommands(b.code);
      if (commands.length && commands.every((c) => c[0] === 'tessera')) steps.push({ kind: 'shell', line: b.line, commands });
      else skippedShell++;
    }
  }
  return { page, programs, files, steps, fragments, skippedShell, emptyDir: text.includes(EMPTY_DIR_MARKER) };
}

/**
 * The TypeScript source mirrored for a program (what sync.mjs writes and tsc checks).
 * @param {{ page: string, parts: { code: string, line: number }[] }} program
 */
export function programSource(program) {
  // No line numbers: editing the prose around a block must not make the mirror stale.
  const part = program.parts.length > 1 ? `, ${program.parts.length} blocks` : '';
  const header = `// Generated from ${program.page} (program ${program.name}${part}) by \`node docs/examples/sync.mjs\`. Edit the page, not this file.\n`;
  return header + program.parts.map((p) => `${p.code}\n`).join('\n');
}

/**
 * Maps a line of a program's source (1-based) back to the page line it came from.
 * @param {{ page: string, parts: { code: string, line: number }[] }} program
 * @param {number} line
 */
export function pageLine(program, line) {
  let at = 2; // after the header
  for (const p of program.parts) {
    const n = p.code.split('\n').length;
    if (line < at + n) return `${program.page}:${p.line + 1 + (line - at)}`;
    at += n + 1;
  }
  return program.page;
}

/** The pages whose examples are tested: every docs/*.md and the README. */
export function pages(root) {
  const docs = readdirSync(join(root, 'docs'))
    .filter((f) => f.endsWith('.md'))
    .sort()
    .map((f) => `docs/${f}`);
  return ['README.md', ...docs].map((page) => pageExamples(readFileSync(join(root, page), 'utf8'), page));
}

/** Every file sync.mjs writes into docs/examples/programs/: name → contents. */
export function expectedProgramFiles(root) {
  const out = new Map();
  for (const p of pages(root)) {
    for (const prog of p.programs) out.set(`${prog.name}.ts`, programSource(prog));
    for (const f of p.files) {
      const seen = out.get(f.name);
      if (seen !== undefined && seen !== f.code)
        throw new Error(`${p.page}:${f.line}: file=${f.name} differs from another page's file of that name.`);
      out.set(f.name, f.code);
    }
  }
  return out;
}
