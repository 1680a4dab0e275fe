/** The colour theme: light, dark, or whatever the system prefers (the default). */
export type ThemeChoice = 'light' | 'dark' | 'system';
export const THEME_CHOICES: ThemeChoice[] = ['system', 'light', 'dark'];

/** The localStorage key public/theme.js reads before the first paint. */
const THEME_KEY = 'ppo-lab-theme';
const LIGHT_QUERY = '(prefers-color-scheme: light)';

export function savedTheme(): ThemeChoice {
  const saved = document.documentElement.dataset.themeChoice ?? localStorage.getItem(THEME_KEY);
  return saved === 'light' || saved === 'dark' ? saved : 'system';
}

/** Sets `data-theme` on <html> to the theme the choice resolves to; styles.css keys both palettes on it. */
function applyTheme(choice: ThemeChoice): void {
  const light = choice === 'light' || (choice === 'system' && window.matchMedia(LIGHT_QUERY).matches);
  document.documentElement.dataset.theme = light ? 'light' : 'dark';
  document.documentElement.dataset.themeChoice = choice;
}

/** Applies and remembers a choice; 'system' keeps following the system's setting as it changes. */
export function chooseTheme(choice: ThemeChoice): void {
  localStorage.setItem(THEME_KEY, choice);
  applyTheme(choice);
}

/** Re-applies 'system' when the system switches between light and dark; returns the unsubscribe. */
export function followSystemTheme(): () => void {
  const media = window.matchMedia(LIGHT_QUERY);
  const onChange = () => {
    if (savedTheme() === 'system') applyTheme('system');
  };
  media.addEventListener('change', onChange);
  return () => media.removeEventListener('change', onChange);
}
