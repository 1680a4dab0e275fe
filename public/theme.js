// Applies the saved light/dark choice before the first paint, so the page never flashes the other
// theme. A plain script file, loaded from <head>, because the CSP allows no inline script;
// src/ui/theme.ts owns the choice once the app runs.
(function () {
  var choice = 'system';
  try {
    choice = localStorage.getItem('ppo-lab-theme') || 'system';
  } catch (error) {
    // Storage is off (a privacy setting): follow the system.
    choice = 'system';
  }
  var light = choice === 'light' || (choice !== 'dark' && window.matchMedia('(prefers-color-scheme: light)').matches);
  document.documentElement.dataset.theme = light ? 'light' : 'dark';
  document.documentElement.dataset.themeChoice = choice;
})();
