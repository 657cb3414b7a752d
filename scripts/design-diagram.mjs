// Prints the Mermaid picture of src/'s layers, drawn from the rules the import check enforces
// (.dependency-cruiser.cjs). docs/design.md holds its output; a test keeps the two the same.
// Usage: node scripts/design-diagram.mjs
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const { LAYERS } = require('../.dependency-cruiser.cjs');

export function designDiagram(layers = LAYERS) {
  const lines = ['```mermaid', 'flowchart BT'];
  const id = (layer) => layer.name.replace(/[^a-z]+/gi, '_');
  for (const layer of layers) {
    const folders = layer.folders.map((f) => (f.endsWith('.ts') ? f : `${f}/`)).join(' ');
    lines.push(`  ${id(layer)}["<b>${layer.name}</b><br/>${folders}<br/><i>${layer.says}</i>"]`);
  }
  // Each layer may import the one below it (and, through it, everything lower).
  for (let i = 1; i < layers.length; i++) lines.push(`  ${id(layers[i])} --> ${id(layers[i - 1])}`);
  lines.push('```');
  return `${lines.join('\n')}\n`;
}

if (import.meta.url === `file://${process.argv[1]}`) process.stdout.write(designDiagram());
