-- claim-jobs: hands jobs that BullMQ's adds just put in a webhook's wait list (same MULTI) straight
-- to a worker of this process that has room, as BullMQ's moveToActive would: in the active list,
-- locked with the worker's token, processedOn set, attemptsStarted + 1, an "active" event. The
-- worker then skips the round trips of waking up and fetching (src/queue/claims.ts).
-- Only when nothing older waits (the queue's order holds: a backlog is the worker's to take) and the
-- queue is not paused, limited or capped by a global concurrency.
-- KEYS[1] wait, KEYS[2] active, KEYS[3] prioritized, KEYS[4] meta, KEYS[5] marker, KEYS[6] events,
-- KEYS[7..] the jobs' hash keys
-- ARGV[1] lock duration (ms), ARGV[2] now (ms), then per job: its id and its lock token
-- Returns the 1-based indexes of the jobs claimed.
local attributes = redis.call('HMGET', KEYS[4], 'paused', 'concurrency', 'max')
if attributes[1] or attributes[2] or attributes[3] then return {} end
local count = #KEYS - 6
if redis.call('LLEN', KEYS[1]) > count then return {} end
local claimed = {}
for i = 1, count do
  local jobId = ARGV[1 + 2 * i]
  local jobKey = KEYS[6 + i]
  -- Pushed to active before it leaves wait: should the push be refused (maxmemory), the job stays
  -- where it was. Without a lock it is a stalled job, which BullMQ's stalled check puts back.
  if redis.call('LPOS', KEYS[1], jobId) then
    redis.call('LPUSH', KEYS[2], jobId)
    redis.call('LREM', KEYS[1], 1, jobId)
    redis.call('SET', jobKey .. ':lock', ARGV[2 + 2 * i], 'PX', ARGV[1])
    redis.call('HSET', jobKey, 'processedOn', ARGV[2])
    redis.call('HINCRBY', jobKey, 'ats', 1)
    redis.call('XADD', KEYS[6], '*', 'event', 'active', 'jobId', jobId, 'prev', 'waiting')
    claimed[#claimed + 1] = i
  end
end
-- No job left to fetch: the marker would only wake the worker for nothing.
if redis.call('LLEN', KEYS[1]) == 0 and redis.call('ZCARD', KEYS[3]) == 0 then
  redis.call('ZREM', KEYS[5], '0')
end
return claimed
