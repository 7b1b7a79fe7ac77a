// Vite's import.meta.glob (the test files go through Vite): the modules whose paths match, by path.
interface ImportMeta {
  glob<T>(pattern: string, options: { eager: true }): Record<string, T>;
}
