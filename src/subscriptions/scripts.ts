/**
 * The store's Lua scripts (to move to src/redis/scripts/*.lua with the shared loader). Each
 * changes a record, its webhook's id set and index line, and appends to the change log in one
 * atomic step; all keys share the {subs} hash tag.
 */
import { LuaScript } from '../redis/index.js';

/** Shared by both scripts: split an index field into other lines and the id's own; expiry of a line; log a change. */
const WITHOUT_ID = `
local function split(lines, id)
  local head, kept, own = '["' .. id .. '",', {}, nil
  if lines then
    for line in string.gmatch(lines, '[^\\n]+') do
      if string.sub(line, 1, #head) == head then own = line else kept[#kept + 1] = line end
    end
  end
  return kept, own
end
local function expiry(line) return tonumber(string.match(line, '^%[".-",(%d+)')) end
local function logChange(webhookId, indexKey, cap)
  local v = redis.call('INCR', KEYS[4])
  redis.call('ZADD', KEYS[5], v, v .. '\\t' .. webhookId .. '\\t' .. indexKey)
  redis.call('ZREMRANGEBYRANK', KEYS[5], 0, -(cap + 1))
end
`;

/**
 * KEYS: records, byWebhook, index, version, changes, webhooks, epoch[, idempotency]
 * ARGV: id, record JSON, index key, entry line, now ms, webhookId, idempotency ttl ms, change log
 * cap, a new epoch id (kept only if there is none)
 * → {'created' | 'exists', record JSON} or {'conflict', id the idempotency key already names}.
 * A live subscription with the same id is kept as it is; an expired one is replaced.
 */
export const CREATE = new LuaScript(`${WITHOUT_ID}
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
  redis.call('HSET', KEYS[3], ARGV[3], table.concat(kept, '\\n'))
  redis.call('HSET', KEYS[1], id, ARGV[2])
  redis.call('SADD', KEYS[2], id)
  redis.call('SADD', KEYS[6], ARGV[6])
  redis.call('SET', KEYS[7], ARGV[9], 'NX')
  logChange(ARGV[6], ARGV[3], tonumber(ARGV[8]))
  record, status = ARGV[2], 'created'
end
if KEYS[8] then redis.call('SET', KEYS[8], id, 'PX', ARGV[7]) end
return {status, record}
`);

/**
 * KEYS: records, byWebhook, index, version, changes
 * ARGV: id, index key, webhookId, change log cap, only-if-expired-at ms ('' = always)
 * → 1 when removed, 0 when absent (or, with only-if-expired-at, still live).
 */
export const REMOVE = new LuaScript(`${WITHOUT_ID}
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
  else redis.call('HSET', KEYS[3], ARGV[2], table.concat(kept, '\\n')) end
end
if removed == 0 and not own then return 0 end
logChange(ARGV[3], ARGV[2], tonumber(ARGV[4]))
return 1
`);
