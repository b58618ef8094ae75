// `npm run preview -- --stack <name> [--refresh] [--json <file>] [--markdown <file>]`
// A normal `pulumi preview` with the policy pack, reported as text, JSON and Markdown (PR comments).
// Exit codes: 0 when the preview ran (with or without changes), 1 on an error or a mandatory
// policy violation (including no Pulumi CLI). See docs/review.md.
import { main } from "./lib/reviewCommand";

main("preview");
