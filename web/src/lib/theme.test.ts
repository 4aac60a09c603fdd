import { describe, expect, it } from "vitest";
import { applyTheme, effectiveTheme, nextChoice, readChoice } from "./theme";

describe("theme", () => {
  it("reads a stored choice, anything else is the system's", () => {
    expect(readChoice("dark")).toBe("dark");
    expect(readChoice(null)).toBe("system");
    expect(readChoice("purple")).toBe("system");
  });
  it("follows the system unless chosen", () => {
    expect(effectiveTheme("system", true)).toBe("dark");
    expect(effectiveTheme("system", false)).toBe("light");
    expect(effectiveTheme("light", true)).toBe("light");
  });
  it("toggles what shows and comes back to the system", () => {
    expect(nextChoice("system", false)).toBe("dark");
    expect(nextChoice("dark", false)).toBe("system");
    expect(nextChoice("system", true)).toBe("light");
    expect(nextChoice("light", true)).toBe("system");
    expect(nextChoice("light", false)).toBe("dark");
  });
  it("marks the root element", () => {
    const root = { attrs: new Map<string, string>(), classes: new Set<string>() };
    const el = {
      setAttribute: (k: string, v: string) => root.attrs.set(k, v),
      removeAttribute: (k: string) => root.attrs.delete(k),
      classList: { toggle: (c: string, on: boolean) => (on ? root.classes.add(c) : root.classes.delete(c)) },
    } as unknown as HTMLElement;
    expect(applyTheme(el, "dark", false)).toBe("dark");
    expect(root.attrs.get("data-theme")).toBe("dark");
    expect(root.classes.has("theme-dark")).toBe(true);
    applyTheme(el, "system", false);
    expect(root.attrs.has("data-theme")).toBe(false);
    expect(root.classes.has("theme-dark")).toBe(false);
  });
});
