-- renew-lock: extends a lock's TTL only while the caller still owns it.
-- KEYS[1] = the lock key
-- ARGV[1] = the owner token, ARGV[2] = the new TTL (ms)
-- Returns 1 when renewed, 0 when the lock is lost.
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('PEXPIRE', KEYS[1], ARGV[2]) else return 0 end
