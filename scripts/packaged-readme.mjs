// The README as the extension's Details page shows it, written for `vsce package --readme-path`.
// VS Code renders a packaged README with no base URL for relative paths and a content security policy
// that lets images come only from https: or data: (the extension editor's `img-src https: data:`), and
// this project has no public https host for its files. So each image is inlined as a data: URL (PNG,
// JPEG or GIF; vsce refuses SVG there) and each relative link — to docs/ and other repository files,
// which the .vsix does not carry — becomes its text and the path in the repository.
// Usage: node scripts/packaged-readme.mjs OUT [IN]   (IN defaults to README.md)
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, extname, join, relative, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const MIME = { '.png': 'image/png', '.jpg': 'image/jpeg', '.jpeg': 'image/jpeg', '.gif': 'image/gif' };
const isRelative = (target) => !/^[a-z][a-z0-9+.-]*:/i.test(target) && !target.startsWith('#');

/**
 * Rewrites `markdown` (the text of the file at `from`) for the Details page: relative images inlined,
 * relative links turned into text. Fenced code blocks and inline code are left alone. Throws for an
 * image that is missing, not a raster format, or not inside the repository.
 */
export function packagedReadme(markdown, from = join(root, 'README.md')) {
  const base = dirname(from);
  let fenced = false;
  return markdown.split('\n').map((line) => {
    if (/^\s*(```|~~~)/.test(line)) { fenced = !fenced; return line; }
    if (fenced) return line;
    // A link whose label is inline code first; then split off inline code spans so that a `[x](y)`
    // shown as code stays as written.
    const codeLabels = line.replace(/\[(`[^`]+`)\]\(([^)\s]+)\)/g, (all, label, target) => (isRelative(target) ? linkText(label, target) : all));
    return codeLabels.split(/(`[^`]*`)/).map((part, i) => (i % 2 ? part : rewrite(part, base))).join('');
  }).join('\n');
}

function rewrite(text, base) {
  return text
    .replace(/!\[([^\]]*)\]\(([^)\s]+)\)/g, (all, alt, target) => {
      if (!isRelative(target)) return all;
      const file = resolve(base, decodeURI(target.split('#')[0]));
      if (relative(root, file).startsWith('..')) throw new Error(`packaged-readme: image ${target} is outside the repository`);
      const mime = MIME[extname(file).toLowerCase()];
      if (!mime) throw new Error(`packaged-readme: image ${target} is not PNG, JPEG or GIF (the Details page refuses SVG data URLs)`);
      const data = readFileSync(file);
      return `![${alt}](data:${mime};base64,${data.toString('base64')})`;
    })
    .replace(/(?<!!)\[([^\]]+)\]\(([^)\s]+)\)/g, (all, label, target) => (isRelative(target) ? linkText(label, target) : all));
}

/** A relative link as text: its label and the path in the repository (the path alone when that is the label). */
function linkText(label, target) {
  const path = target.split('#')[0] || target;
  return label === path || label === `\`${path}\`` ? `\`${path}\`` : `${label} (\`${path}\`)`;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const [out, input = join(root, 'README.md')] = process.argv.slice(2);
  if (!out) throw new Error('usage: node scripts/packaged-readme.mjs OUT [IN]');
  const from = resolve(input);
  mkdirSync(dirname(resolve(out)), { recursive: true });
  writeFileSync(resolve(out), packagedReadme(readFileSync(from, 'utf8'), from));
}
