-- breaker-gate: may a delivery to this webhook go now?
-- KEYS[1] = disabled flag, KEYS[2] = breaker hash
-- ARGV[1] = now (ms), ARGV[2] = probe lease (ms), ARGV[3] = longest wait while a probe runs (ms)
-- Returns {'disabled'|'go'|'wait'|'probe', failures or wait ms}.
if redis.call('EXISTS', KEYS[1]) == 1 then return {'disabled', 0} end
local b = redis.call('HMGET', KEYS[2], 'state', 'openUntil', 'failures', 'probeUntil')
local state = b[1] or 'closed'
local now = tonumber(ARGV[1])
if state == 'closed' then return {'go', tonumber(b[3] or '0')} end
if state == 'open' then
  local openUntil = tonumber(b[2] or '0')
  if now < openUntil then return {'wait', openUntil - now} end
end
local probeUntil = tonumber(b[4] or '0')
if state == 'half-open' and now < probeUntil then
  return {'wait', math.min(probeUntil - now, tonumber(ARGV[3]))}
end
redis.call('HSET', KEYS[2], 'state', 'half-open', 'probeUntil', now + tonumber(ARGV[2]))
return {'probe', tonumber(b[3] or '0')}
