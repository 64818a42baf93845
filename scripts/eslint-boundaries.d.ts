import type { Rule } from "eslint";

declare const boundaries: {
  rules: { "client-imports": Rule.RuleModule; "raw-env": Rule.RuleModule };
};
export default boundaries;
