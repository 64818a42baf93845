// `npm run bench [-- engine|leaderboard|aggregator|inspector|ranks|doors|cost]`: runs the benchmarks and prints one table.
import fs from "node:fs";
import path from "node:path";
import { benchAggregator } from "./aggregator.ts";
import { benchCost } from "./cost.ts";
import { benchDoors } from "./doors.ts";
import { benchEngine } from "./engine.ts";
import { benchInspector } from "./inspector.ts";
import { benchLeaderboard } from "./leaderboard.ts";
import { benchRanks } from "./ranks.ts";
import { formatTable, type BenchResult } from "./stats.ts";

const suites: Record<string, () => Promise<BenchResult[]>> = {
  engine: benchEngine,
  leaderboard: benchLeaderboard,
  aggregator: benchAggregator,
  inspector: benchInspector,
  ranks: benchRanks,
  doors: benchDoors,
  cost: benchCost,
};

const wanted = process.argv.slice(2);
const unknown = wanted.filter((name) => !(name in suites));
if (unknown.length > 0) {
  console.error(
    `unknown bench: ${unknown.join(", ")}; choose from ${Object.keys(suites).join(", ")}`,
  );
  process.exit(2);
}

const results: BenchResult[] = [];
for (const name of wanted.length ? wanted : Object.keys(suites)) {
  console.error(`running ${name}…`);
  results.push(...(await suites[name]!()));
}
console.log(formatTable(results));
const out = path.join("bench", "results");
fs.mkdirSync(out, { recursive: true });
fs.writeFileSync(path.join(out, "latest.json"), JSON.stringify(results, null, 2));
process.exit(0);
