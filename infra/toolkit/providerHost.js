// Loads this program's providers for Pulumi's dynamic-provider plugin
// (@pulumi/pulumi/cmd/dynamic-provider). Plain JavaScript: the plugin has no TypeScript
// loader of its own, so this file registers one before it requires a provider.
//
// Each resource's `__provider` is a few lines (providerCode in dynamicResource.ts) that require
// this file from the plugin's working directory and ask it for one provider by module and
// export name. The provider's code is then the checkout's own, at call time, instead of a
// serialized copy per resource in the state. See docs/providers.md (Provider code).
/* eslint-disable @typescript-eslint/no-require-imports -- CommonJS: the plugin loads this file with require(). */
/* global __dirname */
"use strict";
const path = require("node:path");

/** infra/: module paths in `__provider` are relative to it. */
const PROGRAM_DIR = path.resolve(__dirname, "..");
/** The dynamic-provider plugin's key for the provider code. */
const PROVIDER_KEY = "__provider";

/**
 * TypeScript as the runtime compiles the program (ts-node, infra/tsconfig.json), without the
 * type check: the program run that registered these resources has checked the same files.
 * Skipped where a loader is already registered (the program's own process, jest).
 */
function registerTypeScript() {
  if (require.extensions[".ts"] !== undefined) return;
  require("ts-node").register({ transpileOnly: true, project: path.join(PROGRAM_DIR, "tsconfig.json") });
}

/**
 * The provider's Diff, plus a change when the state holds other provider code than the one
 * running now (a state written by the code that serialized providers into each resource): the
 * update then records the current `__provider`, so refresh and destroy run the checkout's code.
 */
function withStoredCodeCheck(provider) {
  return {
    ...provider,
    diff: async (id, olds, news) => {
      const result = provider.diff ? await provider.diff(id, olds, news) : {};
      const stored = olds[PROVIDER_KEY];
      if (typeof stored === "string" && stored !== news[PROVIDER_KEY]) return { ...result, changes: true };
      return result;
    },
  };
}

/** The provider exported as `exportName` by `module` (relative to infra/, no extension). */
function provider(module, exportName) {
  registerTypeScript();
  const loaded = require(path.join(PROGRAM_DIR, module))[exportName];
  if (loaded === undefined) {
    throw new Error(`infra/${module} exports no ${exportName}: the state names a provider this checkout does not have`);
  }
  return withStoredCodeCheck(loaded);
}

module.exports = { provider, PROGRAM_DIR };
