import picomatch from 'picomatch';

/** A word that names a script: it has a directory or a script's extension. */
const SCRIPT = /^(?:\.\/)?[\w.@-]+(?:\/[\w.@-]+)*\.(?:sh|bash|py|js|mjs|cjs|ts|mts|pl|rb)$|^(?:\.\/)?[\w.@-]+(?:\/[\w.@-]+)+$/;

/**
 * The repository files a shell command runs or reads as its own definition:
 * the scripts it names (`sh test.sh`, `./scripts/ci`, `node tools/check.mjs`)
 * and the Makefile of `make`. The gate treats them as trusted, so that a
 * branch cannot rewrite the CI script that judges it. Words with variables,
 * options and absolute paths are not repository files and are left out.
 */
export function filesNamedBy(command: string): string[] {
  const files = new Set<string>();
  for (const part of command.split(/&&|\|\||[;|]/)) {
    const words = part.trim().split(/\s+/).filter(Boolean);
    if (words[0] === 'make' || words[0] === 'gmake') files.add('Makefile');
    for (const word of words) {
      const bare = word.replace(/^['"]|['"]$/g, '');
      if (bare.includes('$') || bare.startsWith('-') || bare.startsWith('/') || bare.includes('..') || picomatch.scan(bare).isGlob) continue;
      if (SCRIPT.test(bare)) files.add(bare.replace(/^\.\//, ''));
    }
  }
  return [...files];
}
