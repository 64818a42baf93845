import type { Rule } from "eslint";

declare const boundaries: {
  rules: {
    "client-imports": Rule.RuleModule;
    "raw-env": Rule.RuleModule;
    "no-stream-reads-in-web": Rule.RuleModule;
  };
};
export default boundaries;
/** The values core's stream reader and history export (what `no-stream-reads-in-web` refuses). */
export declare const STREAM_READER_EXPORTS: ReadonlySet<string>;
