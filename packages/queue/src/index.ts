export { checkRedis, createRedis, Redis } from './redis.js';
