// An unmodified ioredis client (the real-app preload tests run it against Debian's
// redis-server): `ioredis-ping.mjs PORT` sends PING, SET and GET, prints the replies and quits.
import Redis from 'ioredis';

const port = Number(process.argv[2]);
const redis = new Redis({ port, host: '127.0.0.1', lazyConnect: true, maxRetriesPerRequest: 1 });
await redis.connect();
const pong = await redis.ping();
await redis.set('sanswitch', 'switched');
const value = await redis.get('sanswitch');
console.log(JSON.stringify({ pong, value }));
await redis.quit();
