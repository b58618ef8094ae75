// ESLint flat config: typescript-eslint's recommended rules over all TypeScript in the repo, and
// the directions imports may take (no-restricted-imports, on the import specifier as written):
//   program (infra/*.ts) → providers' resource declarations (infra/postgres/resources,
//   infra/supabase/resources; never the providers themselves) → shared modules
//   (infra/migrations, infra/toolkit); toolkit imports nothing of infra/;
//   scripts/, bench/ and tools/ use public entries only (a module's or tool's folder, never a
//   file inside it); tools/ (the engine in tools/engine) is shared by tests/ and bench/;
//   policy/ imports nothing from infra/; nothing outside tests/ imports tests/.
// tests/review/importRules.test.ts lints forbidden imports through ESLint's Node API.
import js from "@eslint/js";
import tseslint from "typescript-eslint";

const MODULES = "(postgres|supabase|migrations|toolkit)";

const NO_TESTS = { regex: "(^|/)tests(/|$)", message: "Only tests/ may import tests/; move what both need out of tests/ (for example next to the code it supports)." };
const NO_INFRA = { regex: "(^|/)infra(/|$)", message: "The policy pack imports nothing from infra/: state the requirement in policy/requirements.ts (as policy config) instead." };
const ENTRIES_ONLY = {
  regex: `(^|/)infra/${MODULES}/`,
  message: "Import the module's public entry (infra/<module>), not a file inside it.",
};
const TOOL_ENTRIES_ONLY = {
  regex: "(^|/)tools/[^/]+/",
  message: "Import a tool's public entry (tools/<tool>, its index.ts), not a file inside it.",
};
const NO_PROGRAM_FROM_PROVIDERS = {
  regex: "^\\.\\./(?!(toolkit|migrations)$)",
  message: "A provider imports only the shared modules' entries (../toolkit, ../migrations) and its own folder: never the program or the other provider.",
};
const NO_UPWARD_FROM_MIGRATIONS = {
  regex: "^\\.\\./(?!toolkit$)",
  message: "The migrations module imports only ../toolkit (its entry) from the rest of infra/.",
};
const NO_UPWARD_FROM_TOOLKIT = { regex: "^\\.\\.(/|$)", message: "The toolkit is the bottom layer: it imports nothing else of infra/." };
const DEEP_FROM_PROGRAM = {
  regex: `^\\./(?!(postgres|supabase)/resources$)${MODULES}/`,
  message: "The program imports a module's public entry (./<module>), not a file inside it.",
};
const PROVIDERS_FROM_PROGRAM = {
  regex: "^\\./(postgres|supabase)$",
  message:
    "The program imports the resource declarations (./postgres/resources, ./supabase/resources): the module's entry loads the providers, which the program never calls and would type-check on every run.",
};

/** One config block per folder; each lists every pattern that applies there (a later block replaces the rule's options). */
function importDirections(files, ...patterns) {
  return { files, rules: { "no-restricted-imports": ["error", { patterns: [...patterns, NO_TESTS] }] } };
}

const SOURCES = ["**/*.ts", "**/*.mjs", "**/*.js"];

export default tseslint.config(
  { ignores: ["node_modules/", "bin/", ".local/", "coverage/", "infra/supabase/management-api.d.ts"] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ["**/*.ts"],
    rules: {
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_", varsIgnorePattern: "^_" }],
      // Dynamic providers must require() their dependencies inside their methods, so that
      // Pulumi's closure serialization emits require calls instead of capturing module objects.
      "@typescript-eslint/no-require-imports": "off",
    },
  },
  {
    files: ["**/*.mjs", "**/*.js"],
    languageOptions: { globals: { process: "readonly", console: "readonly", module: "writable", require: "readonly" } },
  },
  importDirections(SOURCES),
  importDirections(["infra/*.ts"], DEEP_FROM_PROGRAM, PROVIDERS_FROM_PROGRAM),
  importDirections(["infra/postgres/**", "infra/supabase/**"], NO_PROGRAM_FROM_PROVIDERS),
  importDirections(["infra/migrations/**"], NO_UPWARD_FROM_MIGRATIONS),
  importDirections(["infra/toolkit/**"], NO_UPWARD_FROM_TOOLKIT),
  importDirections(["scripts/**", "bench/**"], ENTRIES_ONLY, TOOL_ENTRIES_ONLY),
  importDirections(["tools/**"], ENTRIES_ONLY),
  importDirections(["policy/**"], NO_INFRA),
  { files: ["tests/**"], rules: { "no-restricted-imports": "off" } },
  // Severity only: the options (the patterns of the file's folder) stay as configured above.
);
