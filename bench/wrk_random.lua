-- Random requests for bench/run.py (wrk 4.x, LuaJIT).
--
-- Called as: wrk ... -s bench/wrk_random.lua <url> -- <mode> <seed> <video_pages> <artist_pages>
--            <video_ids> <comma-separated search words> <file of cursors or ""> <first deep page>
-- <mode> picks the endpoint (see `builders`). done() prints one line, "BENCH_JSON {...}",
-- that the harness parses: throughput, latency percentiles (microseconds) and error counts.

local thread_count = 0

-- Runs in the main Lua state, once per thread, before that thread's init().
function setup(thread)
  thread_count = thread_count + 1
  thread:set("thread_index", thread_count)
end

local video_pages, artist_pages, video_ids = 1, 1, 1
local words = {}
local deep_first = 1
local cursors = {}
local build

-- The video list's sortable fields (bench/run.py VIDEO_SORTS).
local sorts = { "title", "artist", "year", "release_date", "created_at", "updated_at", "status", "kind", "duration_s", "quality" }

local builders = {
  video_list = function()
    return "/api/v1/videos?page_size=50&page=" .. math.random(1, video_pages)
  end,
  artist_list = function()
    return "/api/v1/artists?page_size=50&page=" .. math.random(1, artist_pages)
  end,
  video_sorted = function()
    local direction = ""
    if math.random() < 0.5 then
      direction = "-"
    end
    return "/api/v1/videos?page_size=50&page=" .. math.random(1, video_pages) .. "&sort=" .. direction .. sorts[math.random(1, #sorts)]
  end,
  video_deep = function()
    return "/api/v1/videos?page_size=50&page=" .. math.random(deep_first, video_pages)
  end,
  video_deep_cursor = function()
    return "/api/v1/videos?page_size=50&cursor=" .. cursors[math.random(1, #cursors)]
  end,
  video_detail = function()
    return "/api/v1/videos/" .. math.random(1, video_ids)
  end,
  video_search = function()
    return "/api/v1/videos?q=" .. words[math.random(1, #words)] .. "&page_size=50"
  end,
  search = function()
    return "/api/v1/search?q=" .. words[math.random(1, #words)]
  end,
  suggestions = function()
    local word = words[math.random(1, #words)]
    return "/api/v1/search/suggestions?q=" .. string.sub(word, 1, math.random(2, math.min(5, #word)))
  end,
  health = function()
    return "/api/v1/health"
  end,
  bare = function()
    return "/"
  end,
}

-- Runs in each thread's own Lua state.
function init(args)
  local mode = args[1]
  build = builders[mode]
  if build == nil then
    error("wrk_random.lua: unknown mode " .. tostring(mode))
  end
  local seed = tonumber(args[2]) or os.time()
  video_pages = tonumber(args[3]) or 1
  artist_pages = tonumber(args[4]) or 1
  video_ids = tonumber(args[5]) or 1
  for word in string.gmatch(args[6] or "", "[^,]+") do
    words[#words + 1] = word
  end
  if (mode == "video_search" or mode == "search" or mode == "suggestions") and #words == 0 then
    error("wrk_random.lua: video_search needs search words")
  end
  deep_first = tonumber(args[8]) or 1
  -- The cursors of the deep pages, one a line (bench/run.py walks the list by cursor to make them).
  if args[7] ~= nil and args[7] ~= "" then
    for line in io.lines(args[7]) do
      if line ~= "" then
        cursors[#cursors + 1] = line
      end
    end
  end
  if mode == "video_deep_cursor" and #cursors == 0 then
    error("wrk_random.lua: video_deep_cursor needs a file of cursors")
  end
  -- A different, reproducible stream per thread.
  math.randomseed(seed + 7919 * (thread_index or 0))
  for _ = 1, 10 do
    math.random()
  end
end

function request()
  return wrk.format("GET", build())
end

-- Runs once in the main Lua state after the run; latency values are in microseconds.
function done(summary, latency, requests)
  local errors = summary.errors
  local seconds = summary.duration / 1e6
  local mean = 0
  if summary.requests > 0 then
    mean = latency.mean
  end
  io.write(string.format(
    'BENCH_JSON {"requests":%d,"duration_s":%.6f,"bytes":%d,"rps":%.3f,'
      .. '"p50_us":%d,"p90_us":%d,"p99_us":%d,"max_us":%d,"mean_us":%.1f,'
      .. '"non2xx":%d,"connect":%d,"read":%d,"write":%d,"timeout":%d}\n',
    summary.requests, seconds, summary.bytes, summary.requests / seconds,
    latency:percentile(50), latency:percentile(90), latency:percentile(99), latency.max, mean,
    errors.status, errors.connect, errors.read, errors.write, errors.timeout
  ))
end
