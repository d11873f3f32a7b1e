// The test PyPI server in its own process, so that its memory and CPU are not counted as the uploader's.
// Prints one JSON line {url, uploadUrl, token} when ready; prints stats as JSON on SIGTERM... or on stdin "stats".
import { startPypiServer } from './.build/test/servers/pypi.js';

const server = await startPypiServer({ keepData: false, checkBlake2: false, hashThreads: 2, uploadLatencyMs: Number(process.argv[2] ?? 0) });
process.stdout.write(JSON.stringify({ url: server.url, uploadUrl: server.uploadUrl, token: server.token }) + '\n');
process.stdin.setEncoding('utf8');
process.stdin.on('data', (line) => {
  if (line.trim() === 'stats') process.stdout.write(JSON.stringify({ stats: server.stats(), files: server.files().length, cpu: (process.cpuUsage().user + process.cpuUsage().system) / 1e6 }) + '\n');
});
process.stdin.on('end', () => void server.close().then(() => process.exit(0)));
