// The readers' CPU control: a busy loop the bench starts and always ends, by its pid.
import { execFileSync } from "node:child_process";
import { busyLoop } from "../../bench/readersBench";

/** Busy loops started by this process only: a bench running beside the tests has its own. */
function busyLoops(): string[] {
  const out = execFileSync("ps", ["-eo", "ppid=,args="], { encoding: "utf8" });
  return out
    .split("\n")
    .map((line) => line.trim())
    .filter((line) => line.startsWith(`${process.pid} `) && line.includes("while :; do :; done"));
}

describe("busyLoop", () => {
  it("runs a spinning process and leaves none behind", async () => {
    const before = busyLoops().length;
    const running = busyLoop(2000);
    let seen = busyLoops().length;
    for (let i = 0; i < 30 && seen === before; i++) {
      await new Promise((resolve) => setTimeout(resolve, 50));
      seen = busyLoops().length;
    }
    expect(seen).toBe(before + 1);
    await running;
    expect(busyLoops().length).toBe(before);
  });
});
