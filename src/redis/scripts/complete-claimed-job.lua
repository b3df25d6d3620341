-- complete-claimed-job: the completion of a job this process claimed (src/queue/claimed-complete.ts).
-- Leaves what BullMQ's moveToFinished leaves for a completed job without parent, children,
-- deduplication id or worker metrics (claimed jobs never have them): lock released, off the active
-- list, attempts counted, kept in the completed set (trimmed to its count) or removed, the
-- 'completed' event and, when nothing is left, 'drained'. ~14 calls and a small script instead of
-- moveToFinished's ~20 calls in 40 KB of Lua. The event stream is not trimmed here: the claimed add
-- trims it on every write.
-- KEYS[1] active, KEYS[2] stalled, KEYS[3] completed, KEYS[4] events, KEYS[5] wait,
-- KEYS[6] prioritized, KEYS[7] the job's hash
-- ARGV[1] job id, ARGV[2] lock token, ARGV[3] return value (JSON), ARGV[4] finishedOn (ms),
-- ARGV[5] completed jobs kept (-1 all, 0 none), ARGV[6] the queue's key prefix (a job's key is
-- prefix .. id)
-- Returns 0, or moveToFinished's codes: -1 no such job, -2 no lock, -3 not active, -6 the lock
-- belongs to another token.
local rcall = redis.call
local jobKey, jobId, token = KEYS[7], ARGV[1], ARGV[2]
if rcall('EXISTS', jobKey) == 0 then return -1 end
local lockKey = jobKey .. ':lock'
local lockToken = rcall('GET', lockKey)
if lockToken ~= token then
  if lockToken then return -6 end
  return -2
end
rcall('DEL', lockKey)
rcall('SREM', KEYS[2], jobId)
if rcall('LREM', KEYS[1], -1, jobId) < 1 then return -3 end

local function removeJobKeys(key)
  rcall('DEL', key, key .. ':logs', key .. ':dependencies', key .. ':processed', key .. ':failed',
    key .. ':unsuccessful')
end

rcall('HINCRBY', jobKey, 'atm', 1)
local keep, now = tonumber(ARGV[5]), ARGV[4]
if keep ~= 0 then
  rcall('ZADD', KEYS[3], now, jobId)
  rcall('HSET', jobKey, 'returnvalue', ARGV[3], 'finishedOn', now)
  if keep > 0 then
    local old = rcall('ZREVRANGE', KEYS[3], keep, -1)
    for _, oldId in ipairs(old) do removeJobKeys(ARGV[6] .. oldId) end
    if #old > 0 then rcall('ZREMRANGEBYRANK', KEYS[3], 0, -(keep + 1)) end
  end
else
  removeJobKeys(jobKey)
end
rcall('XADD', KEYS[4], '*', 'event', 'completed', 'jobId', jobId, 'returnvalue', ARGV[3], 'prev', 'active')
if rcall('LLEN', KEYS[5]) == 0 and rcall('LLEN', KEYS[1]) == 0 and rcall('ZCARD', KEYS[6]) == 0 then
  rcall('XADD', KEYS[4], '*', 'event', 'drained')
end
return 0
