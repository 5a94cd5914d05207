export { checkRedis, createRedis, persistenceWarning, Redis, redisPersistence } from './redis.js';
export type { RedisPersistence } from './redis.js';
export { closeQueues, createQueues, DEFAULT_RETRY_POLICY, enqueueJobs, QUEUE_NAMES, removeQueuedJobs, resubmitJobs } from './queues.js';
export type { EnqueueItem, QueueName, QueuedJobData, Queues, RetryPolicy } from './queues.js';
export { clearCancellation, isCancellationRequested, onCancellation, requestCancellation } from './cancellation.js';
