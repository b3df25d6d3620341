-- dedup-record-stored: records which messages a webhook's queue now holds (ingest dedup memory).
-- KEYS[1] = the sorted set, KEYS[2..] = job keys
-- ARGV[1] = now, ARGV[2] = oldest score kept, ARGV[3] = max members, then for each job the number
-- of its messages followed by their members. A placeholder left by dedup-gate is deleted and
-- records nothing; a job's members are added only when the job exists (a failed add records
-- nothing); then the set is trimmed by age and by count. Returns 0.
local now, oldest, maxCount = ARGV[1], tonumber(ARGV[2]), tonumber(ARGV[3])
local a = 4
for k = 2, #KEYS do
  local n = tonumber(ARGV[a])
  if redis.call('HEXISTS', KEYS[k], 'flup:gate') == 1 then
    redis.call('DEL', KEYS[k])
  elseif redis.call('EXISTS', KEYS[k]) == 1 then
    for i = a + 1, a + n, 500 do
      local args = {}
      for j = i, math.min(i + 499, a + n) do
        args[#args + 1] = now
        args[#args + 1] = ARGV[j]
      end
      redis.call('ZADD', KEYS[1], unpack(args))
    end
  end
  a = a + n + 1
end
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', '(' .. oldest)
redis.call('ZREMRANGEBYRANK', KEYS[1], 0, -(maxCount + 1))
return 0
