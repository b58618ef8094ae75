// Every relative link in the repository's Markdown, and every repository path named in a code
// comment, resolves to a file or folder of the repository (and a Markdown #anchor to a heading).
// The fixture cases below show that the check fails on each kind of broken link it claims to find.
import * as path from "node:path";
import { findBrokenLinks, formatBrokenLink, markdownAnchors, readRepository } from "./linkCheck";

const REPO_ROOT = path.resolve(__dirname, "../..");

function brokenIn(files: Record<string, string>): string[] {
  return findBrokenLinks(new Map(Object.entries(files))).map(formatBrokenLink);
}

describe("links in the repository", () => {
  it("every relative link in Markdown and every path in a code comment resolves", () => {
    const files = readRepository(REPO_ROOT);
    expect(files.has("README.md")).toBe(true);
    expect(findBrokenLinks(files).map(formatBrokenLink)).toEqual([]);
  });
});

describe("the link check on fixtures", () => {
  const guide = "# Guide\n\n## Set-up on a fresh machine\n\n## `npm run drift` exits 1, not 2\n\n## Set-up on a fresh machine\n";

  it("accepts links to files, folders, headings and external sites", () => {
    expect(
      brokenIn({
        "README.md": [
          "# Readme",
          "See [the guide](docs/guide.md), [set-up](docs/guide.md#set-up-on-a-fresh-machine),",
          "[the second set-up](docs/guide.md#set-up-on-a-fresh-machine-1), [drift](./docs/guide.md#npm-run-drift-exits-1-not-2),",
          "[the code](infra/), [root-relative](/infra/index.ts), [top](#readme), [site](https://example.com/x.md), [mail](mailto:a@b.c).",
          "",
          "| table | link |",
          "|---|---|",
          "| a | [guide](docs/guide.md) |",
          "",
          "[ref]: docs/guide.md",
        ].join("\n"),
        "docs/guide.md": `${guide}\nBack to [the README](../README.md#readme).\n`,
        "infra/index.ts": "// Reads docs/guide.md#set-up-on-a-fresh-machine and README.md; imports ../migrations (a module, not a file).\nexport {};\n",
      }),
    ).toEqual([]);
  });

  it("finds a Markdown link to a missing file, in prose, a table, a reference and HTML", () => {
    expect(
      brokenIn({
        "README.md": [
          "# Readme",
          "See [gone](docs/gone.md).",
          "",
          "| a | b |",
          "|---|---|",
          "| x | [old](docs/readme/sql.md) |",
          "",
          "[ref]: docs/missing.md",
          "",
          '<p><img src="img/logo.svg"></p>',
        ].join("\n"),
      }),
    ).toEqual([
      "README.md:2: docs/gone.md (no such file or folder: docs/gone.md)",
      "README.md:6: docs/readme/sql.md (no such file or folder: docs/readme/sql.md)",
      "README.md:10: img/logo.svg (no such file or folder: img/logo.svg)",
      "README.md:8: docs/missing.md (no such file or folder: docs/missing.md)",
    ]);
  });

  it("finds an anchor that names no heading, and a link out of the repository", () => {
    expect(
      brokenIn({
        "README.md": "# Readme\n\n[a](docs/guide.md#setup) [b](#nowhere) [c](../outside.md)\n",
        "docs/guide.md": guide,
      }),
    ).toEqual([
      "README.md:3: docs/guide.md#setup (no heading or anchor #setup in docs/guide.md)",
      "README.md:3: #nowhere (no heading or anchor #nowhere in README.md)",
      "README.md:3: ../outside.md (points outside the repository)",
    ]);
  });

  it("resolves relative links from the linking file's folder, not the root", () => {
    expect(brokenIn({ "docs/a.md": "[b](docs/b.md)\n", "docs/b.md": "# B\n" })).toEqual([
      "docs/a.md:1: docs/b.md (no such file or folder: docs/docs/b.md)",
    ]);
  });

  it("ignores links inside code spans and fenced code", () => {
    expect(brokenIn({ "README.md": "`[x](gone.md)`\n\n```md\n[y](gone.md)\n```\n" })).toEqual([]);
  });

  it("finds stale paths in comments of TypeScript, SQL, YAML and shell, but not in strings", () => {
    expect(
      brokenIn({
        "README.md": "# Readme\n",
        "docs/guide.md": guide,
        "infra/a.ts": [
          "// See docs/readme/review.md.",
          "/**",
          " * Details: docs/guide.md#no-such-heading",
          " */",
          'export const notAComment = "docs/missing.md";',
          "export const template = `${notAComment} // docs/also-missing.md`;",
        ].join("\n"),
        "infra/b.sql": "-- see docs/readme/sql.md\nselect '-- docs/not-a-comment.md';\n",
        ".github/workflows/ci.yml": "# see docs/readme/ci.md\nrun: echo '# docs/quoted.md'\n",
        "scripts/tool": "#!/usr/bin/env bash\n# see infra/gone.ts and infra/a.ts\n",
      }),
    ).toEqual([
      "infra/a.ts:1: docs/readme/review.md (no such file or folder: docs/readme/review.md)",
      "infra/a.ts:3: docs/guide.md#no-such-heading (no heading or anchor #no-such-heading in docs/guide.md)",
      "infra/b.sql:1: docs/readme/sql.md (no such file or folder: docs/readme/sql.md)",
      ".github/workflows/ci.yml:1: docs/readme/ci.md (no such file or folder: docs/readme/ci.md)",
      "scripts/tool:2: infra/gone.ts (no such file or folder: infra/gone.ts)",
    ]);
  });

  it("skips generated files, which carry their source's comments", () => {
    expect(brokenIn({ "infra/api.d.ts": "/**\n * This file was auto-generated by openapi-typescript.\n */\n// infra/gone.ts\n" })).toEqual([]);
  });

  it("derives GitHub's heading anchors", () => {
    expect([...markdownAnchors("# Tests\n## `npm run drift` exits 1, not 2\n## Tests\n## Ünïcode & *emphasis*\n<a id=\"custom\"></a>\n")]).toEqual([
      "tests",
      "npm-run-drift-exits-1-not-2",
      "tests-1",
      "ünïcode--emphasis",
      "custom",
    ]);
  });
});
