-- flight-add-routed: a flight's sequence is routed to an `ordering: flight` webhook (run inside
-- the MULTI that writes the webhook's job, so a worker never sees the job without it).
-- KEYS[1] pending sorted set (member: job id, score: sequence)
-- KEYS[2] done sorted set (member: sequence) — a redelivered message whose job is done is not
--         pending again (it would hold back the flight's later events for good)
-- ARGV[1] sequence
-- ARGV[2] job id
-- ARGV[3] expiry of the flight's keys, unix ms
-- Returns 1 when added, 0 when that sequence is already done.
if redis.call('ZSCORE', KEYS[2], ARGV[1]) then
  return 0
end
redis.call('ZADD', KEYS[1], tonumber(ARGV[1]), ARGV[2])
redis.call('PEXPIREAT', KEYS[1], ARGV[3])
return 1
