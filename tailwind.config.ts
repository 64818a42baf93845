import type { Config } from "tailwindcss";
import defaultTheme from "tailwindcss/defaultTheme";

export default {
  content: ["./app/**/*.{ts,tsx}", "./components/**/*.{ts,tsx}"],
  theme: {
    extend: {
      fontFamily: {
        sans: ["Inter", "InterVariable", ...defaultTheme.fontFamily.sans],
        mono: ["JetBrains Mono", ...defaultTheme.fontFamily.mono],
      },
      keyframes: {
        "flash-in": {
          "0%": { backgroundColor: "rgb(224 231 255)" },
          "100%": { backgroundColor: "transparent" },
        },
      },
      animation: {
        "flash-in": "flash-in 1.2s ease-out",
      },
    },
  },
  plugins: [],
} satisfies Config;
