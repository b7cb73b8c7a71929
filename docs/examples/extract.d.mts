// Types of extract.mjs (plain JavaScript so that sync.mjs runs with node alone).
export interface CodeBlock {
  lang: string;
  words: string[];
  code: string;
  /** Line of the opening fence (1-based). */
  line: number;
}
export interface ProgramPart {
  code: string;
  line: number;
}
export interface Program {
  /** `<page stem>-<nn>`: the file docs/examples/programs/<name>.ts. */
  name: string;
  page: string;
  parts: ProgramPart[];
}
export interface SupportFile {
  name: string;
  code: string;
  line: number;
}
export type Step =
  | { kind: 'program'; program: Program }
  | { kind: 'shell'; line: number; commands: string[][] }
  | { kind: 'python'; line: number; code: string };
export interface PageExamples {
  page: string;
  programs: Program[];
  files: SupportFile[];
  steps: Step[];
  fragments: number;
  skippedShell: number;
  emptyDir: boolean;
}
export const FIXTURE: Record<string, string[]>;
export const EMPTY_DIR_MARKER: string;
export function codeBlocks(text: string, page: string): CodeBlock[];
export function shellCommands(code: string): string[][];
export function pageExamples(text: string, page: string): PageExamples;
export function programSource(program: Program): string;
export function pageLine(program: Program, line: number): string;
export function pages(root: string): PageExamples[];
export function expectedProgramFiles(root: string): Map<string, string>;
