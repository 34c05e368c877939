// Lua scripts of the Redis registry. Every state change of a slot happens inside one script,
// so leasing is atomic across any number of gateways (no read-then-write). ARGV[1] is always
// the key prefix; key names are documented in docs/registry.md.

/**
 * Shared helpers. A gateway's waiters and leases carry its id; `gw:<id>` is its heartbeat and
 * `gwallow:<id>` the worker hosts it verified (they proved they hold its lease secret). A slot
 * goes only to a gateway that trusts its host; a waiter of a dead gateway is dropped.
 */
const HELPERS = `
local function gatewayAlive(p, gw)
  return gw == '' or redis.call('EXISTS', p .. 'gw:' .. gw) == 1
end
local function trusts(p, gw, host)
  return gw == '' or redis.call('SISMEMBER', p .. 'gwallow:' .. gw, host) == 1
end
local function lease(p, id, leaseId, gw, now, hold, reserved)
  redis.call('HSET', p .. 'slot:' .. id, 'leaseId', leaseId, 'deadline', now + hold, 'gateway', gw, 'reserved', reserved or '')
  redis.call('ZADD', p .. 'leases', now + hold, id)
  redis.call('LREM', p .. 'idle', 0, id)
end
local function clearLease(p, id)
  redis.call('HSET', p .. 'slot:' .. id, 'leaseId', '', 'deadline', '0', 'gateway', '', 'reserved', '')
  redis.call('ZREM', p .. 'leases', id)
end
-- Hands a slot that just became available to the oldest live waiter that trusts its host, or
-- appends it to idle. Waiters of dead gateways are dropped; waiters that skip it keep their place.
local function offer(p, id, now)
  local s = p .. 'slot:' .. id
  if redis.call('HGET', s, 'ready') ~= '1' or redis.call('HGET', s, 'leaseId') ~= '' then return 0 end
  local host = redis.call('HGET', s, 'hostId')
  if not host or redis.call('EXISTS', p .. 'host:' .. host) == 0 then return 0 end
  local skipped = {}
  local granted = false
  while true do
    local w = redis.call('LPOP', p .. 'waiters')
    if not w then break end
    local info = redis.call('GET', p .. 'waiter:' .. w)
    if info then
      local a = string.find(info, '|', 1, true)
      local b = string.find(info, '|', a + 1, true)
      local leaseId = string.sub(info, 1, a - 1)
      local hold = tonumber(string.sub(info, a + 1, b - 1))
      local gw = string.sub(info, b + 1)
      if not gatewayAlive(p, gw) then
        redis.call('DEL', p .. 'waiter:' .. w)
        redis.call('HINCRBY', p .. 'counters', 'waitersDropped', 1)
      elseif not trusts(p, gw, host) then
        table.insert(skipped, w)
      else
        redis.call('DEL', p .. 'waiter:' .. w)
        lease(p, id, leaseId, gw, now, hold)
        redis.call('RPUSH', p .. 'grant:' .. w, id)
        redis.call('PEXPIRE', p .. 'grant:' .. w, 60000)
        redis.call('PUBLISH', p .. 'grants', w)
        granted = true
        break
      end
    end
  end
  for i = #skipped, 1, -1 do redis.call('LPUSH', p .. 'waiters', skipped[i]) end
  if granted then return 1 end
  redis.call('LREM', p .. 'idle', 0, id)
  redis.call('RPUSH', p .. 'idle', id)
  return 1
end
`;

export const SCRIPTS = {
  /**
   * ARGV: prefix, now, holdMs, leaseId, waiterId, waitMs, gatewayId, reserve ('1': a slot a
   * gateway holds for its next run, counted idle until claimed) → {'lease', id, address, hostId,
   * nextAddress?} | {'wait'} | {'busy'}. A request that joins the queue says so on the `wanted`
   * channel: gateways holding a slot for their next run give it back, to the queue's head.
   */
  lease: `${HELPERS}
local p, now, hold, leaseId, waiter, waitMs, gw, reserve = ARGV[1], tonumber(ARGV[2]), tonumber(ARGV[3]), ARGV[4], ARGV[5], tonumber(ARGV[6]), ARGV[7], ARGV[8] or ''
while true do
  local w = redis.call('LINDEX', p .. 'waiters', 0)
  if not w then break end
  local info = redis.call('GET', p .. 'waiter:' .. w)
  if info then
    local a = string.find(info, '|', 1, true)
    local b = string.find(info, '|', a + 1, true)
    if gatewayAlive(p, string.sub(info, b + 1)) then break end
    redis.call('DEL', p .. 'waiter:' .. w)
    redis.call('HINCRBY', p .. 'counters', 'waitersDropped', 1)
  end
  redis.call('LPOP', p .. 'waiters')
end
if redis.call('LLEN', p .. 'waiters') == 0 then
  local skipped = {}
  local found = nil
  while true do
    local id = redis.call('LPOP', p .. 'idle')
    if not id then break end
    local s = p .. 'slot:' .. id
    local host = redis.call('HGET', s, 'hostId')
    if host and redis.call('EXISTS', p .. 'host:' .. host) == 1 and redis.call('HGET', s, 'ready') == '1' and redis.call('HGET', s, 'leaseId') == '' then
      if trusts(p, gw, host) then
        lease(p, id, leaseId, gw, now, hold, reserve)
        found = {'lease', id, redis.call('HGET', s, 'address'), host}
        break
      end
      table.insert(skipped, id)
    end
  end
  for _, id in ipairs(skipped) do redis.call('RPUSH', p .. 'idle', id) end
  if found then
    -- The slot the next lease would get, for the gateway to connect to ahead of time.
    local nxt = redis.call('LINDEX', p .. 'idle', 0)
    if nxt then
      local h = redis.call('HGET', p .. 'slot:' .. nxt, 'hostId')
      if h and trusts(p, gw, h) then table.insert(found, redis.call('HGET', p .. 'slot:' .. nxt, 'address')) end
    end
    return found
  end
end
if waitMs <= 0 then
  -- A run refused for want of a slot (no queue wait, or its gateway's queue full) wants one as
  -- much as a queued one: slots held ahead go back. A gateway asking for one to hold does not.
  if reserve ~= '1' then redis.call('PUBLISH', p .. 'wanted', gw) end
  return {'busy'}
end
redis.call('SET', p .. 'waiter:' .. waiter, leaseId .. '|' .. hold .. '|' .. gw, 'PX', waitMs)
redis.call('RPUSH', p .. 'waiters', waiter)
redis.call('PUBLISH', p .. 'wanted', gw)
return {'wait'}
`,
  /**
   * ARGV: prefix, now, slotId, leaseId, holdMs, held — a slot held for a gateway's next run now
   * serves one (held ''): it counts as leased, and its deadline runs from now; with held '1' it
   * stays held and only its deadline moves, unless its host is down: then it is let go (not
   * offered: its host is gone) → 1, or 0 when that lease is gone.
   */
  claim: `${HELPERS}
local p, now, id, leaseId, hold, held = ARGV[1], tonumber(ARGV[2]), ARGV[3], ARGV[4], tonumber(ARGV[5]), ARGV[6] or ''
local s = p .. 'slot:' .. id
if redis.call('HGET', s, 'leaseId') ~= leaseId then return 0 end
if held == '1' and redis.call('EXISTS', p .. 'host:' .. (redis.call('HGET', s, 'hostId') or '')) == 0 then
  clearLease(p, id)
  return 0
end
redis.call('HSET', s, 'reserved', held, 'deadline', now + hold)
redis.call('ZADD', p .. 'leases', now + hold, id)
return 1
`,
  /**
   * ARGV: prefix, now, waiterId, leaseId, holdMs, waitMs, gatewayId — a waiter whose place Redis
   * lost (a restart without persistence, a failover to a replica that had not synced it) joins
   * the queue again, at its end; idle slots are then offered, as they may have come back first.
   */
  rejoin: `${HELPERS}
local p, now, waiter, leaseId, hold, waitMs, gw = ARGV[1], tonumber(ARGV[2]), ARGV[3], ARGV[4], ARGV[5], tonumber(ARGV[6]), ARGV[7]
if waitMs <= 0 or redis.call('EXISTS', p .. 'waiter:' .. waiter) == 1 or redis.call('EXISTS', p .. 'grant:' .. waiter) == 1 then return 0 end
redis.call('SET', p .. 'waiter:' .. waiter, leaseId .. '|' .. hold .. '|' .. gw, 'PX', waitMs)
redis.call('RPUSH', p .. 'waiters', waiter)
for _, id in ipairs(redis.call('LRANGE', p .. 'idle', 0, -1)) do offer(p, id, now) end
return 1
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
  markReady: `${HELPERS}
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
  release: `${HELPERS}
local p, now, id, leaseId = ARGV[1], tonumber(ARGV[2]), ARGV[3], ARGV[4]
if redis.call('HGET', p .. 'slot:' .. id, 'leaseId') ~= leaseId then return 0 end
clearLease(p, id)
return offer(p, id, now)
`,
  /**
   * ARGV: prefix, now, slotId, leaseId, why — a gateway could not connect to the slot it leased
   * (why = 'unreachable'), or its host answered that it drains ('draining'): the host is taken
   * as gone (its heartbeat key is deleted, so none of its slots is leased) until it renews its
   * heartbeat; a live host does so within a third of the TTL and its slots return. Only
   * 'unreachable' is counted as a fault.
   */
  unreachable: `
local p, now, id, leaseId, why = ARGV[1], tonumber(ARGV[2]), ARGV[3], ARGV[4], ARGV[5]
local s = p .. 'slot:' .. id
if redis.call('HGET', s, 'leaseId') ~= leaseId then return 0 end
redis.call('HSET', s, 'leaseId', '', 'deadline', '0', 'gateway', '', 'reserved', '')
redis.call('ZREM', p .. 'leases', id)
redis.call('LREM', p .. 'idle', 0, id)
local host = redis.call('HGET', s, 'hostId')
if host then redis.call('DEL', p .. 'host:' .. host) end
if why ~= 'draining' then redis.call('HINCRBY', p .. 'counters', 'slotsUnreachable', 1) end
return 1
`,
  /**
   * ARGV: prefix, now, forgetBeforeMs, heartbeats (1 when they can be trusted) → {reclaimed
   * after the deadline, reclaimed from dead gateways, hosts forgotten, {their ids}, waiters
   * dropped, {the dead gateways whose leases or waiters went}}. Leases
   * past their deadline or held by a gateway whose heartbeat expired are cleared, announced on
   * the kill channel and offered again; a worker host not seen since forgetBeforeMs is removed
   * with its slots. With heartbeats 0 only deadlines count (see RedisRegistry.reclaim).
   */
  reclaim: `${HELPERS}
local p, now, forgetBefore, heartbeats = ARGV[1], tonumber(ARGV[2]), tonumber(ARGV[3]), ARGV[4] == '1'
local expired, orphaned, forgotten, forgottenIds = 0, 0, 0, {}
local deadGateways, deadSeen = {}, {}
local function dead(gw)
  if not deadSeen[gw] then
    deadSeen[gw] = true
    deadGateways[#deadGateways + 1] = gw
  end
end
local function reclaimOne(id)
  local leaseId = redis.call('HGET', p .. 'slot:' .. id, 'leaseId')
  redis.call('ZREM', p .. 'leases', id)
  if leaseId and leaseId ~= '' then
    clearLease(p, id)
    redis.call('PUBLISH', p .. 'kill', id .. '|' .. leaseId)
    offer(p, id, now)
    return 1
  end
  return 0
end
for _, id in ipairs(redis.call('ZRANGEBYSCORE', p .. 'leases', '-inf', now)) do expired = expired + reclaimOne(id) end
if expired > 0 then redis.call('HINCRBY', p .. 'counters', 'leasesReclaimedDeadline', expired) end
if not heartbeats then return {expired, 0, 0, {}, 0, {}} end
for _, id in ipairs(redis.call('ZRANGE', p .. 'leases', 0, -1)) do
  local gw = redis.call('HGET', p .. 'slot:' .. id, 'gateway')
  if gw and not gatewayAlive(p, gw) then
    orphaned = orphaned + reclaimOne(id)
    dead(gw)
  end
end
-- Waiters of dead gateways, and those whose wait ran out, leave the queue now rather than when a
-- slot is next offered (they were counted as waiting meanwhile). The list is rebuilt in order,
-- once, only when something goes.
local queue = redis.call('LRANGE', p .. 'waiters', 0, -1)
local kept, gone, dropped = {}, 0, 0
for _, w in ipairs(queue) do
  local info = redis.call('GET', p .. 'waiter:' .. w)
  if not info then
    gone = gone + 1
  else
    local a = string.find(info, '|', 1, true)
    local b = string.find(info, '|', a + 1, true)
    local gw = string.sub(info, b + 1)
    if gatewayAlive(p, gw) then
      table.insert(kept, w)
    else
      dead(gw)
      redis.call('DEL', p .. 'waiter:' .. w)
      gone = gone + 1
      dropped = dropped + 1
    end
  end
end
if gone > 0 then
  redis.call('DEL', p .. 'waiters')
  for i = 1, #kept, 1000 do redis.call('RPUSH', p .. 'waiters', unpack(kept, i, math.min(i + 999, #kept))) end
end
if dropped > 0 then redis.call('HINCRBY', p .. 'counters', 'waitersDropped', dropped) end
for _, host in ipairs(redis.call('ZRANGEBYSCORE', p .. 'hostseen', '-inf', forgetBefore)) do
  if redis.call('EXISTS', p .. 'host:' .. host) == 0 then
    for _, id in ipairs(redis.call('SMEMBERS', p .. 'hostslots:' .. host)) do
      if redis.call('HGET', p .. 'slot:' .. id, 'hostId') == host then
        redis.call('SREM', p .. 'slots', id)
        redis.call('DEL', p .. 'slot:' .. id)
        redis.call('LREM', p .. 'idle', 0, id)
        redis.call('ZREM', p .. 'leases', id)
      end
    end
    redis.call('DEL', p .. 'hostslots:' .. host)
    forgotten = forgotten + 1
    forgottenIds[#forgottenIds + 1] = host
  end
  redis.call('ZREM', p .. 'hostseen', host)
end
if orphaned > 0 then redis.call('HINCRBY', p .. 'counters', 'leasesReclaimedGatewayGone', orphaned) end
if forgotten > 0 then redis.call('HINCRBY', p .. 'counters', 'hostsForgotten', forgotten) end
return {expired, orphaned, forgotten, forgottenIds, dropped, deadGateways}
`,
  /**
   * ARGV: prefix, now, hostId, ttlMs, info → {1 when the host's key had lapsed, live gateways,
   * live gateways that lease to this host}. A host whose key lapsed (a slow heartbeat, or a
   * gateway that could not reach it) offers its ready slots again. The gateway counts let a
   * host see that no gateway accepts its lease-secret proof (`gateways` lists gateway ids;
   * one whose heartbeat key is gone is dropped from it here).
   */
  hostBeat: `${HELPERS}
local p, now, host, ttl, info, instance = ARGV[1], tonumber(ARGV[2]), ARGV[3], tonumber(ARGV[4]), ARGV[5], ARGV[6]
-- One process per host id: another one beating under this id (a copied PLAYGROUND_HOST_ID)
-- changes nothing and is told so (-1), until the holder's beats stop for a TTL.
local holder = redis.call('GET', p .. 'hostinst:' .. host)
if holder and holder ~= instance then return {-1, 0, 0} end
redis.call('SET', p .. 'hostinst:' .. host, instance, 'PX', ttl)
local lapsed = redis.call('EXISTS', p .. 'host:' .. host) == 0
redis.call('SET', p .. 'host:' .. host, info, 'PX', ttl)
redis.call('ZADD', p .. 'hostseen', now, host)
if lapsed then
  for _, id in ipairs(redis.call('SMEMBERS', p .. 'hostslots:' .. host)) do offer(p, id, now) end
end
local live, trusting = 0, 0
for _, gw in ipairs(redis.call('ZRANGE', p .. 'gateways', 0, -1)) do
  if redis.call('EXISTS', p .. 'gw:' .. gw) == 1 then
    live = live + 1
    if redis.call('SISMEMBER', p .. 'gwallow:' .. gw, host) == 1 then trusting = trusting + 1 end
  else
    redis.call('ZREM', p .. 'gateways', gw)
  end
end
return {lapsed and 1 or 0, live, trusting}
`,
  /** ARGV: prefix, hostId — a host leaving on purpose (drain) */
  hostGone: `
local p, host, instance = ARGV[1], ARGV[2], ARGV[3]
if redis.call('GET', p .. 'hostinst:' .. host) ~= instance then return 0 end
redis.call('DEL', p .. 'hostinst:' .. host)
redis.call('DEL', p .. 'host:' .. host)
redis.call('ZREM', p .. 'hostseen', host)
return 1
`,
  /**
   * ARGV: prefix, now, gatewayId, ttlMs, trusted hostIds… — a gateway's heartbeat and the hosts
   * it trusts. While runs wait, idle slots are offered again: a host this gateway has just come
   * to trust (or a gateway back after Redis lost everything) may serve its waiters.
   */
  gatewayBeat: `${HELPERS}
local p, now, gw, ttl = ARGV[1], tonumber(ARGV[2]), ARGV[3], tonumber(ARGV[4])
redis.call('SET', p .. 'gw:' .. gw, '1', 'PX', ttl)
redis.call('ZADD', p .. 'gateways', now, gw)
redis.call('DEL', p .. 'gwallow:' .. gw)
if #ARGV > 4 then
  redis.call('SADD', p .. 'gwallow:' .. gw, unpack(ARGV, 5))
  redis.call('PEXPIRE', p .. 'gwallow:' .. gw, ttl)
end
if redis.call('LLEN', p .. 'waiters') > 0 then
  for _, id in ipairs(redis.call('LRANGE', p .. 'idle', 0, -1)) do
    redis.call('LREM', p .. 'idle', 0, id)
    offer(p, id, now)
  end
end
return 1
`,
  /** ARGV: prefix, gatewayId */
  gatewayGone: `
redis.call('DEL', ARGV[1] .. 'gw:' .. ARGV[2], ARGV[1] .. 'gwallow:' .. ARGV[2])
redis.call('ZREM', ARGV[1] .. 'gateways', ARGV[2])
return 1
`,
  /** ARGV: prefix, hostId, then address pairs (id, address)… — (re)registers slots as not ready */
  register: `
local p, host = ARGV[1], ARGV[2]
-- A slot another live host holds is not taken (two hosts claiming one slot address): nothing is
-- written, and the caller waits for that host's heartbeat to lapse (a crashed one's) or gives up.
for i = 3, #ARGV, 2 do
  local owner = redis.call('HGET', p .. 'slot:' .. ARGV[i], 'hostId')
  if owner and owner ~= host and redis.call('EXISTS', p .. 'host:' .. owner) == 1 then return {'taken', ARGV[i], owner} end
end
for i = 3, #ARGV, 2 do
  local id, address = ARGV[i], ARGV[i + 1]
  redis.call('SADD', p .. 'slots', id)
  redis.call('SADD', p .. 'hostslots:' .. host, id)
  redis.call('HSET', p .. 'slot:' .. id, 'address', address, 'hostId', host, 'ready', '0', 'leaseId', '', 'deadline', '0', 'gateway', '', 'reserved', '')
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
  local host = redis.call('HGET', p .. 'slot:' .. id, 'hostId')
  if host then redis.call('SREM', p .. 'hostslots:' .. host, id) end
  redis.call('SREM', p .. 'slots', id)
  redis.call('DEL', p .. 'slot:' .. id)
  redis.call('LREM', p .. 'idle', 0, id)
  redis.call('ZREM', p .. 'leases', id)
end
return 1
`,
  /**
   * ARGV: prefix → {total, idle, busy, waiting, leased}: slots of hosts without a heartbeat do
   * not count; a ready slot a gateway holds for its next run (not yet claimed) counts as idle.
   */
  stats: `
local p = ARGV[1]
local total, idle, leased = 0, 0, 0
for _, id in ipairs(redis.call('SMEMBERS', p .. 'slots')) do
  local s = p .. 'slot:' .. id
  local host = redis.call('HGET', s, 'hostId')
  if host and redis.call('EXISTS', p .. 'host:' .. host) == 1 then
    total = total + 1
    local lease = redis.call('HGET', s, 'leaseId')
    local held = lease and lease ~= '' and redis.call('HGET', s, 'reserved') == '1'
    if lease and lease ~= '' and not held then leased = leased + 1
    elseif redis.call('HGET', s, 'ready') == '1' then idle = idle + 1 end
  end
end
return {total, idle, total - idle, redis.call('LLEN', p .. 'waiters'), leased}
`,
  /** ARGV: prefix → {hostId, lastSeenMs, info or false, …} of every host seen and not yet forgotten */
  hostList: `
local p = ARGV[1]
local out = {}
local seen = redis.call('ZRANGE', p .. 'hostseen', 0, -1, 'WITHSCORES')
for i = 1, #seen, 2 do
  table.insert(out, seen[i])
  table.insert(out, seen[i + 1])
  table.insert(out, redis.call('GET', p .. 'host:' .. seen[i]) or false)
end
return out
`,
} as const;

export type ScriptName = keyof typeof SCRIPTS;
