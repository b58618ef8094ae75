// ESLint flat config: typescript-eslint's recommended rules over all TypeScript in the repo.
import js from "@eslint/js";
import tseslint from "typescript-eslint";

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
);
