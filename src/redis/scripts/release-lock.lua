-- release-lock: deletes a lock only while the caller still owns it (compare-and-delete).
-- KEYS[1] = the lock key
-- ARGV[1] = the owner token
-- Returns 1 when released, 0 when another owner (or nobody) holds it.
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) else return 0 end
