// An unmodified node:cluster app (the preload tests run it): the primary forks two workers that
// share one port with an http hello-world naming their pid; prints {"port"} once both listen.
import cluster from 'node:cluster';
import http from 'node:http';

const port = Number(process.env.PORT ?? 0);
if (cluster.isPrimary) {
  let listening = 0;
  for (let i = 0; i < 2; i += 1) {
    cluster.fork().on('listening', (address) => {
      listening += 1;
      if (listening === 2) console.log(JSON.stringify({ port: address.port }));
    });
  }
  process.on('SIGTERM', () => {
    for (const worker of Object.values(cluster.workers ?? {})) worker?.kill();
    process.exit(0);
  });
} else {
  http.createServer((req, res) => res.end(`worker ${process.pid}`)).listen(port, '127.0.0.1');
}
