// Light or dark: the system's preference (prefers-color-scheme) unless the user picked
// one with the top bar's toggle (kept in localStorage). Pure choice logic here; the DOM
// glue (attributes on <html>) is in applyTheme, called by hooks/useTheme.

export type ThemeChoice = "system" | "light" | "dark";
export type Theme = "light" | "dark";

export const THEME_KEY = "runyard:theme";
const CHOICES: readonly ThemeChoice[] = ["system", "light", "dark"];

export function readChoice(stored: string | null): ThemeChoice {
  return (CHOICES as readonly (string | null)[]).includes(stored) ? (stored as ThemeChoice) : "system";
}

export function effectiveTheme(choice: ThemeChoice, systemDark: boolean): Theme {
  return choice === "system" ? (systemDark ? "dark" : "light") : choice;
}

/** The toggle flips what shows; flipping back to what the system shows follows the system again. */
export function nextChoice(choice: ThemeChoice, systemDark: boolean): ThemeChoice {
  const flipped: Theme = effectiveTheme(choice, systemDark) === "dark" ? "light" : "dark";
  return flipped === effectiveTheme("system", systemDark) ? "system" : flipped;
}

/** `data-theme` only for an explicit choice (the CSS follows the system otherwise);
 * `theme-dark` whenever dark shows, for the rules written with literal colours. */
export function applyTheme(root: HTMLElement, choice: ThemeChoice, systemDark: boolean): Theme {
  const theme = effectiveTheme(choice, systemDark);
  if (choice === "system") root.removeAttribute("data-theme");
  else root.setAttribute("data-theme", choice);
  root.classList.toggle("theme-dark", theme === "dark");
  return theme;
}
