// The demo's Meta Graph API: the same local fake the tests use (test/fakes/meta-graph.ts), served over HTTP
// so that `wrangler dev` can fetch the leads the seed and the README's signed Meta webhook announce.
// No real Graph API is reachable from a laptop demo (and it needs a real Page token).
import { createServer } from 'node:http';
import { fakeMetaGraph } from '../test/fakes/meta-graph.ts';

/** Listens on 127.0.0.1:port; resolves to the server once it accepts connections. */
export function startFakeMetaGraph(port) {
  const server = createServer(async (req, res) => {
    const chunks = [];
    for await (const c of req) chunks.push(c);
    const body = chunks.length ? Buffer.concat(chunks) : undefined;
    const response = await fakeMetaGraph(
      new Request(`http://127.0.0.1:${port}${req.url}`, { method: req.method, headers: req.headers, body }),
    );
    res.writeHead(response.status, Object.fromEntries(response.headers));
    res.end(Buffer.from(await response.arrayBuffer()));
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve(server));
  });
}
