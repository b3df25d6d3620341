-- Removes a subscription: record, id set entry, index line, and logs the change (atomic, {subs} slot).
-- KEYS: records, byWebhook, index, version, changes
-- ARGV: id, index key, webhookId, change log cap, only-if-expired-at ms ('' = always)
-- -> 1 when removed, 0 when absent (or, with only-if-expired-at, still live)
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
local id = ARGV[1]
local kept, own = split(redis.call('HGET', KEYS[3], ARGV[2]), id)
if ARGV[5] ~= '' then
  if not own then return 0 end
  local exp = expiry(own)
  if exp == 0 or exp > tonumber(ARGV[5]) then return 0 end
end
local removed = redis.call('HDEL', KEYS[1], id)
redis.call('SREM', KEYS[2], id)
if own then
  if #kept == 0 then redis.call('HDEL', KEYS[3], ARGV[2])
  else redis.call('HSET', KEYS[3], ARGV[2], table.concat(kept, '\n')) end
end
if removed == 0 and not own then return 0 end
logChange(ARGV[3], ARGV[2], tonumber(ARGV[4]))
return 1
