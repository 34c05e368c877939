// Preloaded (NODE_OPTIONS=--require …) into a process of a fault test: its wall clock runs
// TEST_CLOCK_SKEW_MS ahead (or behind), as on a machine whose clock is off.
'use strict';
const skewMs = Number(process.env.TEST_CLOCK_SKEW_MS || 0);
const realNow = Date.now;
Date.now = () => realNow() + skewMs;
