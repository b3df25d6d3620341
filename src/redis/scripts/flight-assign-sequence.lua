-- flight-assign-sequence: the flight's next sequence for a message, or the one it already has.
-- KEYS[1] state hash (field `seq`: the last sequence given)
-- KEYS[2] messages sorted set (member: message key, score: its sequence)
-- ARGV[1] message key
-- ARGV[2] expiry of the flight's keys, unix ms
-- ARGV[3] most message keys kept (oldest dropped first)
-- Returns the sequence. A duplicate gets its first number and takes none; numbers run 1..n
-- without gaps because INCR and the record happen in this one atomic step.
local known = redis.call('ZSCORE', KEYS[2], ARGV[1])
if known then
  return tonumber(known)
end
local sequence = redis.call('HINCRBY', KEYS[1], 'seq', 1)
redis.call('ZADD', KEYS[2], sequence, ARGV[1])
local excess = redis.call('ZCARD', KEYS[2]) - tonumber(ARGV[3])
if excess > 0 then
  redis.call('ZREMRANGEBYRANK', KEYS[2], 0, excess - 1)
end
redis.call('PEXPIREAT', KEYS[1], ARGV[2])
redis.call('PEXPIREAT', KEYS[2], ARGV[2])
return sequence
