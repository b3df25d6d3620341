-- breaker-record: records a delivery's outcome in the breaker.
-- KEYS[1] = breaker hash
-- ARGV[1] = now (ms), ARGV[2] = ok (1|0), ARGV[3] = failure threshold, ARGV[4] = cooldown (ms),
-- ARGV[5] = max cooldown (ms)
-- Returns {state before, state after, cooldown started (ms)}.
local state = redis.call('HGET', KEYS[1], 'state') or 'closed'
if ARGV[2] == '1' then
  redis.call('DEL', KEYS[1])
  return {state, 'closed', 0}
end
local failures = redis.call('HINCRBY', KEYS[1], 'failures', 1)
local now = tonumber(ARGV[1])
if state == 'half-open' then
  local cooldown = math.min((tonumber(redis.call('HGET', KEYS[1], 'cooldown') or ARGV[4])) * 2, tonumber(ARGV[5]))
  redis.call('HSET', KEYS[1], 'state', 'open', 'openUntil', now + cooldown, 'cooldown', cooldown, 'probeUntil', 0)
  return {state, 'open', cooldown}
end
if state == 'closed' and failures >= tonumber(ARGV[3]) then
  local cooldown = math.min(tonumber(ARGV[4]), tonumber(ARGV[5]))
  redis.call('HSET', KEYS[1], 'state', 'open', 'openUntil', now + cooldown, 'cooldown', cooldown)
  return {state, 'open', cooldown}
end
return {state, state, 0}
