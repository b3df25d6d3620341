-- dedup-gate: makes BullMQ's adds that follow in the same MULTI refuse the jobs whose messages a
-- webhook already stored within the dedup window (ingest dedup memory).
-- KEYS[1] = the sorted set, KEYS[2..] = job keys (queue.toKey(jobId))
-- ARGV[1] = oldest score still in the window, then for each job the number of its messages
-- followed by their members. A job that does not exist yet and holds a recorded message gets a
-- placeholder hash (field flup:gate): BullMQ's add sees the id taken and adds nothing (answers
-- "duplicated"); dedup-record-stored, at the end of the same MULTI, deletes the placeholders, so no
-- one ever sees them (a placeholder left over by an aborted write is dropped first, so it can
-- never refuse a new message). Returns the 1-based indexes of the gated jobs.
local oldest = tonumber(ARGV[1])
local gated = {}
local a = 2
for k = 2, #KEYS do
  local n = tonumber(ARGV[a])
  if redis.call('HEXISTS', KEYS[k], 'flup:gate') == 1 then redis.call('DEL', KEYS[k]) end
  if redis.call('EXISTS', KEYS[k]) == 0 then
    for i = a + 1, a + n do
      local score = redis.call('ZSCORE', KEYS[1], ARGV[i])
      if score and tonumber(score) >= oldest then
        redis.call('HSET', KEYS[k], 'flup:gate', '1')
        gated[#gated + 1] = k - 1
        break
      end
    end
  end
  a = a + n + 1
end
return gated
