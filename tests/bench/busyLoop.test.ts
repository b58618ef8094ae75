// The readers' CPU control: a busy loop the bench starts and always ends, by its pid.
import { execFileSync } from "node:child_process";
import { busyLoop } from "../../bench/readersBench";

function busyLoops(): string[] {
  const out = execFileSync("ps", ["-eo", "pid,args"], { encoding: "utf8" });
  return out.split("\n").filter((line) => line.includes("while :; do :; done") && !line.includes("ps -eo"));
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
