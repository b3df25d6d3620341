-- add-claimed-jobs: the steady trickle's write (src/queue/claimed-add.ts). Adds a webhook's new jobs
-- straight to its active list, locked for a worker of this process that has room: what BullMQ's
-- addStandardJob and then moveToActive would leave (the same job hash fields and events), with the
-- ingest dedup memory's gate and record (dedup-gate.lua, dedup-record-stored.lua) in the same script.
-- One script call instead of a MULTI of four.
-- All or nothing: when the queue is paused, limited or capped by a global concurrency, or anything
-- waits (the queue's order holds: a backlog is the worker's to take), it writes nothing and answers
-- -1; the caller then writes the jobs the ordinary way.
-- KEYS[1] wait, KEYS[2] active, KEYS[3] prioritized, KEYS[4] meta, KEYS[5] id, KEYS[6] events,
-- KEYS[7] the webhook's dedup sorted set, KEYS[8..] the jobs' hash keys
-- ARGV[1] lock duration (ms), ARGV[2] now (ms), ARGV[3] oldest dedup score still in the window,
-- ARGV[4] most dedup members kept, then per job: id, lock token, name, data (JSON), opts (JSON),
-- timestamp, the number of its messages and their dedup members.
-- Returns -1, or { gated, claimed }: 1-based indexes of the jobs refused by the dedup memory, and
-- of the jobs added and claimed. A job whose id exists already (a redelivery) is neither: it is
-- kept as it is, and its messages recorded, as the ordinary write does.
local rcall = redis.call
local attributes = rcall('HMGET', KEYS[4], 'paused', 'concurrency', 'max', 'opts.maxLenEvents')
if attributes[1] or attributes[2] or attributes[3] then return -1 end
if rcall('LLEN', KEYS[1]) > 0 or rcall('ZCARD', KEYS[3]) > 0 then return -1 end
local maxEvents = attributes[4]
if not maxEvents then
  maxEvents = 10000
  rcall('HSET', KEYS[4], 'opts.maxLenEvents', maxEvents)
end
local lockMs, now = ARGV[1], ARGV[2]
local oldest, maxCount = tonumber(ARGV[3]), tonumber(ARGV[4])
local gated, claimed = {}, {}
local a = 5
for k = 8, #KEYS do
  local index = k - 7
  local jobKey = KEYS[k]
  local jobId, token, name = ARGV[a], ARGV[a + 1], ARGV[a + 2]
  local n = tonumber(ARGV[a + 6])
  local first = a + 7
  -- A placeholder left by an aborted dedup-gate write must never refuse a new message.
  if rcall('HEXISTS', jobKey, 'flup:gate') == 1 then rcall('DEL', jobKey) end
  rcall('INCR', KEYS[5])
  local stored = rcall('EXISTS', jobKey) == 1
  if not stored then
    for i = first, first + n - 1 do
      local score = rcall('ZSCORE', KEYS[7], ARGV[i])
      if score and tonumber(score) >= oldest then
        gated[#gated + 1] = index
        break
      end
    end
    if gated[#gated] ~= index then
      rcall('HMSET', jobKey, 'name', name, 'data', ARGV[a + 3], 'opts', ARGV[a + 4], 'timestamp', ARGV[a + 5],
        'delay', 0, 'priority', 0, 'processedOn', now, 'ats', 1)
      rcall('XADD', KEYS[6], '*', 'event', 'added', 'jobId', jobId, 'name', name)
      rcall('XADD', KEYS[6], 'MAXLEN', '~', maxEvents, '*', 'event', 'waiting', 'jobId', jobId)
      rcall('LPUSH', KEYS[2], jobId)
      rcall('SET', jobKey .. ':lock', token, 'PX', lockMs)
      rcall('XADD', KEYS[6], '*', 'event', 'active', 'jobId', jobId, 'prev', 'waiting')
      claimed[#claimed + 1] = index
      stored = true
    end
  end
  if stored then
    for i = first, first + n - 1 do rcall('ZADD', KEYS[7], now, ARGV[i]) end
  end
  a = first + n
end
rcall('ZREMRANGEBYSCORE', KEYS[7], '-inf', '(' .. oldest)
rcall('ZREMRANGEBYRANK', KEYS[7], 0, -(maxCount + 1))
return { gated, claimed }
