// The readers/writer gates transactions close while they apply.
import { describe, expect, it } from "vitest";
import { TableGate } from "./table-gate.ts";

/** A promise with its resolver, to hold a reader or writer inside the gate. */
function held() {
  let release!: () => void;
  const promise = new Promise<void>((resolve) => (release = resolve));
  return { promise, release };
}
const tick = () => new Promise((resolve) => setImmediate(resolve));

describe("TableGate", () => {
  it("lets readers share, a writer wait for them, and new readers wait for the writer", async () => {
    const gate = new TableGate();
    const log: string[] = [];
    const r1 = held();
    const reader1 = gate.reading(["T"], async () => {
      log.push("r1 in");
      await r1.promise;
      log.push("r1 out");
    });
    const writer = gate.writing(["T"], () => {
      log.push("w");
      return Promise.resolve();
    });
    await tick();
    const reader2 = gate.reading(["T"], () => {
      log.push("r2");
      return Promise.resolve();
    });
    await tick();
    expect(log).toEqual(["r1 in"]);
    r1.release();
    await Promise.all([reader1, writer, reader2]);
    expect(log).toEqual(["r1 in", "r1 out", "w", "r2"]);
  });

  it("admits the readers a writer held back before the next writer", async () => {
    const gate = new TableGate();
    const log: string[] = [];
    const w1 = held();
    const first = gate.writing(["T"], async () => {
      await w1.promise;
      log.push("w1");
    });
    await tick();
    const reader = gate.reading(["T"], () => {
      log.push("r");
      return Promise.resolve();
    });
    const second = gate.writing(["T"], () => {
      log.push("w2");
      return Promise.resolve();
    });
    await tick();
    w1.release();
    await Promise.all([first, reader, second]);
    expect(log).toEqual(["w1", "r", "w2"]);
  });

  it("keeps tables apart, and frees the gate when the holder throws", async () => {
    const gate = new TableGate();
    const w = held();
    const writer = gate.writing(["A"], () => w.promise);
    await expect(gate.reading(["B"], () => Promise.resolve("b"))).resolves.toBe("b");
    w.release();
    await writer;
    await expect(gate.writing(["A", "B"], () => Promise.reject(new Error("x")))).rejects.toThrow(
      "x",
    );
    await expect(gate.reading(["A", "B"], () => Promise.resolve("ab"))).resolves.toBe("ab");
  });
});
