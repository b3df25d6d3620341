-- Creates a subscription: its record, its webhook's id set and index line, and a change log entry,
-- in one atomic step (all keys share the {subs} hash tag). A live subscription with the same id is
-- kept as it is; an expired one is replaced.
-- KEYS: records, byWebhook, index, version, changes, webhooks, epoch[, idempotency]
-- ARGV: id, record JSON, index key, entry line, now ms, webhookId, idempotency ttl ms, change log
--       cap, a new epoch id (kept only if there is none)
-- -> {'created' | 'exists', record JSON} or {'conflict', id the idempotency key already names}
local function split(lines, id)
  local head, kept, own = '["' .. id .. '",', {}, nil
  if lines then
    for line in string.gmatch(lines, '[^\n]+') do
      if string.sub(line, 1, #head) == head then own = line else kept[#kept + 1] = line end
    end
  end
  return kept, own
end
local function expiry(line) return tonumber(string.match(line, '^%[".-",(%d+)')) end
local function logChange(webhookId, indexKey, cap)
  local v = redis.call('INCR', KEYS[4])
  redis.call('ZADD', KEYS[5], v, v .. '\t' .. webhookId .. '\t' .. indexKey)
  redis.call('ZREMRANGEBYRANK', KEYS[5], 0, -(cap + 1))
end
local id, now = ARGV[1], tonumber(ARGV[5])
if KEYS[8] then
  local prior = redis.call('GET', KEYS[8])
  if prior and prior ~= id then return {'conflict', prior} end
end
local kept, own = split(redis.call('HGET', KEYS[3], ARGV[3]), id)
local record = redis.call('HGET', KEYS[1], id)
local status = 'exists'
if not (own and record and (expiry(own) == 0 or expiry(own) > now)) then
  kept[#kept + 1] = ARGV[4]
  redis.call('HSET', KEYS[3], ARGV[3], table.concat(kept, '\n'))
  redis.call('HSET', KEYS[1], id, ARGV[2])
  redis.call('SADD', KEYS[2], id)
  redis.call('SADD', KEYS[6], ARGV[6])
  redis.call('SET', KEYS[7], ARGV[9], 'NX')
  logChange(ARGV[6], ARGV[3], tonumber(ARGV[8]))
  record, status = ARGV[2], 'created'
end
if KEYS[8] then redis.call('SET', KEYS[8], id, 'PX', ARGV[7]) end
return {status, record}
