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
      // The muted greys as text only, darkened for WCAG AA (4.5:1) on white and on the tinted
      // rows and panels (indigo-50, slate-50, rose-50): slate-400 text is 2.56:1 on white,
      // slate-500 4.26:1 on indigo-50. Backgrounds, rings and icons' fills keep the palette;
      // 400 stays lighter than 500, so the hierarchy of the greys is kept.
      textColor: {
        slate: { 400: "#5f6e82", 500: "#526176" },
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
