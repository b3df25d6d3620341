-- flight-store-status: record the status summary of a sequence and, optionally, the changes computed
-- for it; the first writer wins.
-- KEYS[1] state hash (fields `s<n>` status of sequence n, `c<n>` changes of sequence n)
-- KEYS[2] statuses sorted set (the sequences that have a status, score = sequence)
-- ARGV[1] sequence
-- ARGV[2] status summary (JSON)
-- ARGV[3] changes (JSON), or '' to record the status only
-- ARGV[4] the sequence the changes were computed against ('0' = none), checked when ARGV[3] is set
-- ARGV[5] expiry of the flight's keys, unix ms
-- ARGV[6] most statuses kept per flight (oldest dropped first, with their changes)
-- Returns {'stored', status, changes} when changes (or, status only, a status) were already there,
-- {'stale'} when the changes were computed against a status that is no longer the one to compare
-- with (another status was recorded meanwhile: compute again), {'ok'} when this call wrote.
local statusField = 's' .. ARGV[1]
local changesField = 'c' .. ARGV[1]
local status = redis.call('HGET', KEYS[1], statusField)
if ARGV[3] == '' then
  if status then
    return {'stored', status, false}
  end
else
  local changes = redis.call('HGET', KEYS[1], changesField)
  if changes then
    return {'stored', status, changes}
  end
  if status and status ~= ARGV[2] then
    return {'stale'}
  end
  local previous = redis.call('ZREVRANGEBYSCORE', KEYS[2], '(' .. ARGV[1], '-inf', 'LIMIT', 0, 1)
  if (previous[1] or '0') ~= ARGV[4] then
    return {'stale'}
  end
  redis.call('HSET', KEYS[1], changesField, ARGV[3])
end
if not status then
  redis.call('HSET', KEYS[1], statusField, ARGV[2])
  redis.call('ZADD', KEYS[2], tonumber(ARGV[1]), ARGV[1])
end
local excess = redis.call('ZCARD', KEYS[2]) - tonumber(ARGV[6])
if excess > 0 then
  for _, dropped in ipairs(redis.call('ZRANGE', KEYS[2], 0, excess - 1)) do
    redis.call('HDEL', KEYS[1], 's' .. dropped, 'c' .. dropped)
  end
  redis.call('ZREMRANGEBYRANK', KEYS[2], 0, excess - 1)
end
redis.call('PEXPIREAT', KEYS[1], ARGV[5])
redis.call('PEXPIREAT', KEYS[2], ARGV[5])
return {'ok'}
