// `npm run drift -- --stack <name> [--json <file>] [--markdown <file>]`
// Refreshes the stack from the live resources and previews with --expect-no-changes and the policy
// pack; prints one line per drifted resource (property, live value, declared value).
// Exit codes: 0 in sync, 2 drift, 1 error (including no Pulumi CLI). See docs/review.md.
import { main } from "./lib/reviewCommand";

main("drift");
