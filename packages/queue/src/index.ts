export { checkRedis, createRedis, persistenceWarning, Redis, redisPersistence } from './redis.js';
export type { RedisPersistence } from './redis.js';
export { classesWithQueues, closeQueues, createQueues, obliterateQueues, DEFAULT_RETRY_POLICY, enqueueJobs, queueFor, QUEUE_NAMES, removeQueuedJobs, resubmitJobs } from './queues.js';
export {
  checkMemoryGib, classQueueName, describeCapacity, describeRequirement, DEVICE_CLASSES, MAX_MEMORY_GIB, meetsRequirement, readResources,
  requirementClassOf, requirementOfClass, withoutResources,
} from './resources.js';
export type { DeviceClass, ResourceProblem, ResourceRequirement, WorkerCapacity } from './resources.js';
export type { EnqueueItem, QueueName, QueuedJobData, Queues, RetryPolicy } from './queues.js';
export { clearCancellation, isCancellationRequested, onCancellation, requestCancellation } from './cancellation.js';
