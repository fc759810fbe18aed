/** The README rewritten for the Details page: relative images inlined as data: URLs, relative links as text (see packaged-readme.mjs). */
export function packagedReadme(markdown: string, from?: string): string;
