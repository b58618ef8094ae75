// Finds links in the repository that do not resolve: relative links (and their #anchors) in
// Markdown, and repository paths named in code comments. Pure over a map of path → content, so
// the test can check the real repository and small in-memory fixtures with the same code.
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import MarkdownIt from "markdown-it";
import ts from "typescript";

/** Repository-relative path (always `/`-separated) → file content. */
export type RepositoryFiles = ReadonlyMap<string, string>;

export interface BrokenLink {
  file: string;
  line: number;
  link: string;
  reason: string;
}

interface FoundLink {
  line: number;
  target: string;
  /** Where a target without `./` or `../` is looked up: the file's folder, or the root first. */
  base: "file" | "root-then-file";
}

const markdown = new MarkdownIt({ html: true });

const MARKDOWN_EXTENSION = /\.md$/i;
const SCRIPT_EXTENSION = /\.(ts|tsx|mts|cts|js|mjs|cjs)$/i;
const HASH_COMMENT_EXTENSION = /\.(ya?ml|sh|bash|toml)$/i;
const SQL_EXTENSION = /\.sql$/i;
const SHELL_SHEBANG = /^#!.*\b(ba|z)?sh\b/;
/** A URL scheme (`https:`, `mailto:`) or a protocol-relative `//host`: not a repository link. */
const EXTERNAL = /^([a-z][a-z0-9+.-]*:|\/\/)/i;
/** A path-like token in a comment: segments of word characters, dots and dashes joined by `/`. */
const COMMENT_PATH = /(?<![\w@$/.-])((?:\.\.?\/)*[\w.-]+(?:\/[\w.-]+)*\/?)(#[\w-]+)?/g;
/** The tail that makes a token a file (an extension) or a folder (a trailing slash). */
const FILE_OR_FOLDER = /(\.[A-Za-z]{1,5}|\/)$/;
const GENERATED = /auto-generated|@generated/i;
const HTML_LINK = /\b(?:href|src)\s*=\s*"([^"]*)"/gi;
const HTML_ANCHOR = /<a\s[^>]*\b(?:id|name)\s*=\s*"([^"]+)"/gi;

/** The tracked and untracked-but-not-ignored files of the repository at `root`, with their content. */
export function readRepository(root: string): Map<string, string> {
  const listing = execFileSync("git", ["ls-files", "--cached", "--others", "--exclude-standard", "-z"], {
    cwd: root,
    encoding: "utf8",
    maxBuffer: 64 * 1024 * 1024,
  });
  const files = new Map<string, string>();
  for (const file of listing.split("\0")) {
    // A file deleted in the work tree but not yet from the index is not there to link to.
    if (file === "" || !fs.existsSync(path.join(root, file))) continue;
    files.set(file, isCheckedSource(file) ? fs.readFileSync(path.join(root, file), "utf8") : "");
  }
  return files;
}

function isCheckedSource(file: string): boolean {
  return MARKDOWN_EXTENSION.test(file) || SCRIPT_EXTENSION.test(file) || SQL_EXTENSION.test(file) ||
    HASH_COMMENT_EXTENSION.test(file) || !path.posix.basename(file).includes(".");
}

/** Every link in `files` that does not resolve to a file or folder in `files`. */
export function findBrokenLinks(files: RepositoryFiles): BrokenLink[] {
  const folders = foldersOf(files.keys());
  const anchorCache = new Map<string, Set<string>>();
  const anchorsOf = (file: string): Set<string> => {
    let anchors = anchorCache.get(file);
    if (!anchors) anchorCache.set(file, (anchors = markdownAnchors(files.get(file) ?? "")));
    return anchors;
  };
  const broken: BrokenLink[] = [];
  for (const [file, content] of files) {
    for (const link of linksIn(file, content, files)) {
      const reason = unresolved(file, link, files, folders, anchorsOf);
      if (reason) broken.push({ file, line: link.line, link: link.target, reason });
    }
  }
  return broken;
}

function linksIn(file: string, content: string, files: RepositoryFiles): FoundLink[] {
  if (MARKDOWN_EXTENSION.test(file)) return markdownLinks(content);
  // Generated code carries the comments of its source (the vendored API spec's examples).
  if (GENERATED.test(content.slice(0, 300))) return [];
  const comments = commentsOf(file, content);
  const topLevel = topLevelEntries(files);
  return comments.flatMap((comment) => pathsInComment(comment, topLevel));
}

/** Relative links of a Markdown document: inline and reference links, images, HTML href/src. */
export function markdownLinks(content: string): FoundLink[] {
  const env: MarkdownIt.Env = {};
  const links: FoundLink[] = [];
  const add = (line: number, target: string): void => {
    if (target !== "" && !EXTERNAL.test(target)) links.push({ line, target, base: "file" });
  };
  // Inline tokens inside tables carry no line map: they take the line of the last token that had one.
  let blockLine = 1;
  for (const token of markdown.parse(content, env)) {
    if (token.map) blockLine = token.map[0] + 1;
    if (token.type === "html_block") htmlLinks(token.content).forEach((target) => add(blockLine, target));
    let line = blockLine;
    for (const child of token.children ?? []) {
      if (child.type === "softbreak" || child.type === "hardbreak") line += 1;
      if (child.type === "link_open") add(line, decodeTarget(String(child.attrGet("href") ?? "")));
      if (child.type === "image") add(line, decodeTarget(String(child.attrGet("src") ?? "")));
      if (child.type === "html_inline") htmlLinks(child.content).forEach((target) => add(line, target));
    }
  }
  // Reference definitions are checked even when nothing uses them.
  const lines = content.split("\n");
  for (const { href } of Object.values(env.references ?? {})) {
    const target = decodeTarget(href);
    add(Math.max(1, lines.findIndex((text) => /^\s{0,3}\[[^\]]+\]:/.test(text) && text.includes(href)) + 1), target);
  }
  return links;
}

function htmlLinks(html: string): string[] {
  return [...html.matchAll(HTML_LINK)].map((match) => match[1]);
}

function decodeTarget(href: string): string {
  try {
    return decodeURI(href);
  } catch (error) {
    if (error instanceof URIError) return href;
    throw error;
  }
}

/** GitHub's heading anchors of a Markdown document (github-slugger's rules), plus explicit `<a id>`/`<a name>`. */
export function markdownAnchors(content: string): Set<string> {
  const anchors = new Set<string>();
  const seen = new Map<string, number>();
  const tokens = markdown.parse(content, {});
  tokens.forEach((token, index) => {
    if (token.type === "html_block" || token.type === "inline") {
      const html = token.type === "html_block" ? token.content : (token.children ?? []).filter((c) => c.type === "html_inline").map((c) => c.content).join("");
      for (const match of html.matchAll(HTML_ANCHOR)) anchors.add(match[1]);
    }
    if (token.type !== "heading_open") return;
    const text = (tokens[index + 1].children ?? [])
      .filter((child) => child.type === "text" || child.type === "code_inline" || child.type === "text_special")
      .map((child) => child.content)
      .join("");
    const slug = text.toLowerCase().replace(/[^\p{L}\p{M}\p{N}\p{Pc} -]/gu, "").replace(/ /g, "-");
    const count = seen.get(slug) ?? 0;
    seen.set(slug, count + 1);
    anchors.add(count === 0 ? slug : `${slug}-${count}`);
  });
  return anchors;
}

interface Comment {
  line: number;
  text: string;
}

/** The comments of a source file, by its kind; none for kinds that have no comments we read. */
export function commentsOf(file: string, content: string): Comment[] {
  if (SCRIPT_EXTENSION.test(file)) return scriptComments(file, content);
  if (SQL_EXTENSION.test(file)) return lineComments(content, "--");
  if (HASH_COMMENT_EXTENSION.test(file) || SHELL_SHEBANG.test(content)) return lineComments(content, "#");
  return [];
}

/** Comments of TypeScript or JavaScript, found by the TypeScript parser (never inside strings or templates). */
function scriptComments(file: string, content: string): Comment[] {
  const kind = /\.(js|mjs|cjs)$/i.test(file) ? ts.ScriptKind.JS : ts.ScriptKind.TS;
  const source = ts.createSourceFile(file, content, ts.ScriptTarget.Latest, true, kind);
  const starts = new Set<number>();
  const comments: Comment[] = [];
  const collect = (position: number): void => {
    const ranges = [...(ts.getLeadingCommentRanges(content, position) ?? []), ...(ts.getTrailingCommentRanges(content, position) ?? [])];
    for (const range of ranges) {
      if (starts.has(range.pos)) continue;
      starts.add(range.pos);
      comments.push({ line: source.getLineAndCharacterOfPosition(range.pos).line + 1, text: content.slice(range.pos, range.end) });
    }
  };
  const visit = (node: ts.Node): void => {
    collect(node.getFullStart());
    collect(node.getEnd());
    node.getChildren(source).forEach(visit);
  };
  visit(source);
  return comments;
}

/** Line comments introduced by `marker` outside single- and double-quoted strings on that line. */
function lineComments(content: string, marker: "--" | "#"): Comment[] {
  const comments: Comment[] = [];
  content.split("\n").forEach((text, index) => {
    let quote: string | null = null;
    for (let at = 0; at < text.length; at += 1) {
      const char = text[at];
      if (quote) {
        if (char === quote) quote = null;
      } else if (char === "'" || char === '"') {
        quote = char;
      } else if (text.startsWith(marker, at) && (marker === "--" || at === 0 || /\s/.test(text[at - 1]))) {
        comments.push({ line: index + 1, text: text.slice(at) });
        return;
      }
    }
  });
  return comments;
}

/**
 * Repository paths named in a comment: tokens that start at a top-level entry of the repository
 * (`docs/`, `infra/`, `README.md`, …) or with `./` or `../`, and end in a file extension or `/`.
 * Module specifiers without an extension (`../migrations`) and placeholders (`<scale>.json`)
 * are not paths to a file, and are left alone.
 */
function pathsInComment(comment: Comment, topLevel: ReadonlySet<string>): FoundLink[] {
  const links: FoundLink[] = [];
  comment.text.split("\n").forEach((text, offset) => {
    for (const match of text.matchAll(COMMENT_PATH)) {
      const token = match[1].replace(/\.+$/, "");
      const relative = token.startsWith("./") || token.startsWith("../");
      if (!relative && !topLevel.has(token.split("/")[0])) continue;
      if (!FILE_OR_FOLDER.test(token) || (!relative && !token.includes("/") && !MARKDOWN_EXTENSION.test(token))) continue;
      links.push({ line: comment.line + offset, target: token + (match[2] ?? ""), base: relative ? "file" : "root-then-file" });
    }
  });
  return links;
}

const topLevelCache = new WeakMap<RepositoryFiles, Set<string>>();

function topLevelEntries(files: RepositoryFiles): Set<string> {
  let entries = topLevelCache.get(files);
  if (!entries) {
    entries = new Set([...files.keys()].map((file) => file.split("/")[0]));
    topLevelCache.set(files, entries);
  }
  return entries;
}

function foldersOf(files: Iterable<string>): Set<string> {
  const folders = new Set<string>([""]);
  for (const file of files) {
    for (let dir = path.posix.dirname(file); dir !== "."; dir = path.posix.dirname(dir)) folders.add(dir);
  }
  return folders;
}

/** Why `link` does not resolve from `file`, or null when it does. */
function unresolved(
  file: string,
  link: FoundLink,
  files: RepositoryFiles,
  folders: ReadonlySet<string>,
  anchorsOf: (file: string) => Set<string>,
): string | null {
  const [withoutFragment, fragment = ""] = splitOnce(link.target, "#");
  const targetPath = withoutFragment.split("?")[0];
  let resolved: string | null;
  if (targetPath === "") {
    resolved = file;
  } else {
    const candidates = targetPath.startsWith("/")
      ? [targetPath.slice(1)]
      : link.base === "root-then-file"
        ? [targetPath, path.posix.join(path.posix.dirname(file), targetPath)]
        : [path.posix.join(path.posix.dirname(file), targetPath)];
    const normalized = candidates.map((candidate) => path.posix.normalize(candidate).replace(/\/$/, ""));
    if (normalized.every((candidate) => candidate.startsWith("../") || candidate === "..")) return "points outside the repository";
    resolved = normalized.find((candidate) => files.has(candidate) || folders.has(candidate)) ?? null;
    if (resolved === null) return `no such file or folder: ${normalized[0]}`;
  }
  if (fragment === "" || !MARKDOWN_EXTENSION.test(resolved) || !files.has(resolved)) return null;
  const anchor = decodeTarget(fragment);
  return anchorsOf(resolved).has(anchor) ? null : `no heading or anchor #${anchor} in ${resolved}`;
}

function splitOnce(text: string, separator: string): [string, string?] {
  const at = text.indexOf(separator);
  return at < 0 ? [text] : [text.slice(0, at), text.slice(at + 1)];
}

/** One line per broken link, for a readable test failure. */
export function formatBrokenLink(broken: BrokenLink): string {
  return `${broken.file}:${broken.line}: ${broken.link} (${broken.reason})`;
}
