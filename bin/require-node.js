#!/usr/bin/env node
// Stops a command at once, with one line, on a Node.js too old to run pinstack. Plain
// JavaScript that any Node.js parses: it runs before anything that needs Node 24 is loaded.
const REQUIRED_MAJOR = 24;
const [major] = process.versions.node.split('.').map(Number);
if (major < REQUIRED_MAJOR) {
  console.error(
    `pinstack needs Node.js ${REQUIRED_MAJOR} or later; this is Node.js ${process.version}. ` +
      `Install it from https://nodejs.org, with a version manager (nvm install ${REQUIRED_MAJOR}), ` +
      `or from npm: npm install --prefix ~/.node${REQUIRED_MAJOR} node@${REQUIRED_MAJOR} and put ` +
      `~/.node${REQUIRED_MAJOR}/node_modules/.bin first on your PATH.`,
  );
  process.exit(1);
}
