import { screenshotReport } from '@tessera/diagnostics';
await screenshotReport(process.argv[2], process.argv[3], { width: 1400 });
