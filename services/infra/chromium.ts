import path from 'node:path';
import { resolveBinary } from './binaries';
import { type InfraOptions, infraContext, layout } from './context';
import { aptInstall, aptUnavailable, which } from './tools';

const SYSTEM_DIRS = ['/usr/bin', '/usr/local/bin', '/snap/bin'];

/**
 * Path of a Chromium for the dashboard's browser tests: MOTCUA_CHROMIUM_BIN → PATH (chromium,
 * chromium-browser) → `apt-get install chromium` (Debian's package; root only). Playwright's own
 * browser download needs the internet, which the build machines do not have.
 */
export async function ensureChromium(opts: InfraOptions = {}): Promise<string> {
  const ctx = infraContext(opts);
  return resolveBinary(ctx, {
    name: 'chromium',
    envVar: 'MOTCUA_CHROMIUM_BIN',
    envValue: ctx.env.MOTCUA_CHROMIUM_BIN,
    pathNames: ['chromium', 'chromium-browser'],
    extraDirs: SYSTEM_DIRS,
    // Never produced there (apt installs system-wide); checked so a copy placed by hand is found.
    cachePath: path.join(layout.bin(ctx.home), 'chromium'),
    provisioners: [
      {
        label: 'apt-get install chromium',
        unavailable: () => aptUnavailable(ctx),
        run: async () => {
          await aptInstall(ctx, ['chromium']);
          const installed = await which('chromium', ctx.env.PATH ?? '', SYSTEM_DIRS);
          if (!installed) throw new Error('chromium not found after apt-get install');
          return installed;
        },
      },
    ],
    help:
      'Options: set MOTCUA_CHROMIUM_BIN to a Chromium or Chrome binary, put chromium on PATH, or run the ' +
      'tests as root on Debian/Ubuntu so `apt-get install chromium` can run.',
  });
}

/**
 * Flags without which Chromium hangs or phones home on a closed network (no GPU, no QUIC, no
 * background networking, component updates or sync).
 */
export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];
