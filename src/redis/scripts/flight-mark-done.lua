-- flight-mark-done: a sequence was delivered or dead-lettered at an `ordering: flight` webhook.
-- KEYS[1] pending sorted set (member: job id, score: sequence)
-- KEYS[2] done sorted set (member and score: sequence)
-- ARGV[1] sequence
-- ARGV[2] expiry of the flight's keys, unix ms
-- ARGV[3] most done sequences kept (oldest dropped first)
-- Returns {job id, sequence} of the lowest sequence still pending (the one that may go now), or {}.
redis.call('ZREMRANGEBYSCORE', KEYS[1], ARGV[1], ARGV[1])
redis.call('ZADD', KEYS[2], tonumber(ARGV[1]), ARGV[1])
local excess = redis.call('ZCARD', KEYS[2]) - tonumber(ARGV[3])
if excess > 0 then
  redis.call('ZREMRANGEBYRANK', KEYS[2], 0, excess - 1)
end
redis.call('PEXPIREAT', KEYS[2], ARGV[2])
return redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
