#!/usr/bin/env node
// Screenshot of any report: node packages/diagnostics/scripts/screenshot.mjs REPORT.html OUT.png [WIDTH]
import { screenshotReport } from '@tessera/diagnostics';

const [html, png, width] = process.argv.slice(2);
if (!html || !png) {
  console.error('usage: screenshot.mjs REPORT.html OUT.png [WIDTH]');
  process.exit(2);
}
await screenshotReport(html, png, width ? { width: Number(width) } : {});
console.log(`wrote ${png}`);
