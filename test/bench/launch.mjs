// `npm run bench` starts here the way bin/motcua.js starts the product: tsx registered in this
// thread only. Under the `tsx` command Node passes tsx to every worker thread (execArgv), so the
// SDK's workflow threads ran with tsx and Node source maps on, which `motcua worker` never does.
import { register } from 'tsx/esm/api';

register();
const { main } = await import('./run.ts');
process.exit(await main(process.argv.slice(2)));
