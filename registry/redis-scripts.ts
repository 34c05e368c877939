// Lua scripts of the Redis registry. Every state change of a slot happens inside one script,
// so leasing is atomic across any number of gateways (no read-then-write). ARGV[1] is always
// the key prefix; key names are documented in docs/registry.md.

/** Hands a slot that just became available to the oldest live waiter, or appends it to idle. */
const OFFER = `
local function offer(p, id, now)
  local s = p .. 'slot:' .. id
  if redis.call('HGET', s, 'ready') ~= '1' or redis.call('HGET', s, 'leaseId') ~= '' then return 0 end
  local host = redis.call('HGET', s, 'hostId')
  if not host or redis.call('EXISTS', p .. 'host:' .. host) == 0 then return 0 end
  while true do
    local w = redis.call('LPOP', p .. 'waiters')
    if not w then break end
    local info = redis.call('GET', p .. 'waiter:' .. w)
    if info then
      redis.call('DEL', p .. 'waiter:' .. w)
      local sep = string.find(info, '|', 1, true)
      local leaseId = string.sub(info, 1, sep - 1)
      local hold = tonumber(string.sub(info, sep + 1))
      redis.call('HSET', s, 'leaseId', leaseId, 'deadline', now + hold)
      redis.call('ZADD', p .. 'leases', now + hold, id)
      redis.call('LREM', p .. 'idle', 0, id)
      redis.call('RPUSH', p .. 'grant:' .. w, id)
      redis.call('PEXPIRE', p .. 'grant:' .. w, 60000)
      redis.call('PUBLISH', p .. 'grants', w)
      return 1
    end
  end
  redis.call('LREM', p .. 'idle', 0, id)
  redis.call('RPUSH', p .. 'idle', id)
  return 1
end
`;

export const SCRIPTS = {
  /** ARGV: prefix, now, holdMs, leaseId, waiterId, waitMs, maxWaiters → {'lease', id, address, hostId} | {'wait'} | {'busy'} | {'full'} */
  lease: `
local p, now, hold, leaseId, waiter, waitMs, maxWaiters = ARGV[1], tonumber(ARGV[2]), tonumber(ARGV[3]), ARGV[4], ARGV[5], tonumber(ARGV[6]), tonumber(ARGV[7])
while true do
  local w = redis.call('LINDEX', p .. 'waiters', 0)
  if not w or redis.call('EXISTS', p .. 'waiter:' .. w) == 1 then break end
  redis.call('LPOP', p .. 'waiters')
end
if redis.call('LLEN', p .. 'waiters') == 0 then
  while true do
    local id = redis.call('LPOP', p .. 'idle')
    if not id then break end
    local s = p .. 'slot:' .. id
    local host = redis.call('HGET', s, 'hostId')
    if host and redis.call('EXISTS', p .. 'host:' .. host) == 1 and redis.call('HGET', s, 'ready') == '1' and redis.call('HGET', s, 'leaseId') == '' then
      redis.call('HSET', s, 'leaseId', leaseId, 'deadline', now + hold)
      redis.call('ZADD', p .. 'leases', now + hold, id)
      return {'lease', id, redis.call('HGET', s, 'address'), host}
    end
  end
end
if waitMs <= 0 then return {'busy'} end
if redis.call('LLEN', p .. 'waiters') >= maxWaiters then return {'full'} end
redis.call('SET', p .. 'waiter:' .. waiter, leaseId .. '|' .. hold, 'PX', waitMs)
redis.call('RPUSH', p .. 'waiters', waiter)
return {'wait'}
`,
  /** ARGV: prefix, waiterId → slot id granted in the meantime, or false */
  cancelWait: `
local p, waiter = ARGV[1], ARGV[2]
redis.call('DEL', p .. 'waiter:' .. waiter)
redis.call('LREM', p .. 'waiters', 0, waiter)
return redis.call('LPOP', p .. 'grant:' .. waiter)
`,
  /** ARGV: prefix, waiterId → granted slot id or false */
  takeGrant: `return redis.call('LPOP', ARGV[1] .. 'grant:' .. ARGV[2])`,
  /** ARGV: prefix, now, slotId */
  markReady: `${OFFER}
local p, now, id = ARGV[1], tonumber(ARGV[2]), ARGV[3]
if redis.call('EXISTS', p .. 'slot:' .. id) == 0 then return 0 end
redis.call('HSET', p .. 'slot:' .. id, 'ready', '1')
return offer(p, id, now)
`,
  /** ARGV: prefix, slotId */
  markUnavailable: `
local p, id = ARGV[1], ARGV[2]
if redis.call('EXISTS', p .. 'slot:' .. id) == 0 then return 0 end
redis.call('HSET', p .. 'slot:' .. id, 'ready', '0')
redis.call('LREM', p .. 'idle', 0, id)
return 1
`,
  /** ARGV: prefix, now, slotId, leaseId — only the current lease can be released */
  release: `${OFFER}
local p, now, id, leaseId = ARGV[1], tonumber(ARGV[2]), ARGV[3], ARGV[4]
local s = p .. 'slot:' .. id
if redis.call('HGET', s, 'leaseId') ~= leaseId then return 0 end
redis.call('HSET', s, 'leaseId', '', 'deadline', '0')
redis.call('ZREM', p .. 'leases', id)
return offer(p, id, now)
`,
  /** ARGV: prefix, now → number of leases reclaimed (each announced on the kill channel) */
  reclaim: `${OFFER}
local p, now = ARGV[1], tonumber(ARGV[2])
local ids = redis.call('ZRANGEBYSCORE', p .. 'leases', '-inf', now)
for _, id in ipairs(ids) do
  local s = p .. 'slot:' .. id
  local leaseId = redis.call('HGET', s, 'leaseId')
  redis.call('ZREM', p .. 'leases', id)
  if leaseId and leaseId ~= '' then
    redis.call('HSET', s, 'leaseId', '', 'deadline', '0')
    redis.call('PUBLISH', p .. 'kill', id .. '|' .. leaseId)
    offer(p, id, now)
  end
end
return #ids
`,
  /** ARGV: prefix, hostId, then address pairs (id, address)… — (re)registers slots as not ready */
  register: `
local p, host = ARGV[1], ARGV[2]
for i = 3, #ARGV, 2 do
  local id, address = ARGV[i], ARGV[i + 1]
  redis.call('SADD', p .. 'slots', id)
  redis.call('HSET', p .. 'slot:' .. id, 'address', address, 'hostId', host, 'ready', '0', 'leaseId', '', 'deadline', '0')
  redis.call('LREM', p .. 'idle', 0, id)
  redis.call('ZREM', p .. 'leases', id)
end
return 1
`,
  /** ARGV: prefix, slotIds… */
  remove: `
local p = ARGV[1]
for i = 2, #ARGV do
  local id = ARGV[i]
  redis.call('SREM', p .. 'slots', id)
  redis.call('DEL', p .. 'slot:' .. id)
  redis.call('LREM', p .. 'idle', 0, id)
  redis.call('ZREM', p .. 'leases', id)
end
return 1
`,
  /** ARGV: prefix → {total, idle, busy, waiting}: slots of hosts without a heartbeat do not count */
  stats: `
local p = ARGV[1]
local total, idle = 0, 0
for _, id in ipairs(redis.call('SMEMBERS', p .. 'slots')) do
  local s = p .. 'slot:' .. id
  local host = redis.call('HGET', s, 'hostId')
  if host and redis.call('EXISTS', p .. 'host:' .. host) == 1 then
    total = total + 1
    if redis.call('HGET', s, 'ready') == '1' and redis.call('HGET', s, 'leaseId') == '' then idle = idle + 1 end
  end
end
return {total, idle, total - idle, redis.call('LLEN', p .. 'waiters')}
`,
} as const;

export type ScriptName = keyof typeof SCRIPTS;
