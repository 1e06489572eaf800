/*
 * test_lua_action - what the lua action does for a script, through the real module file: typed
 * fields in, earlier results visible, failing with {ok = false} / false / a Lua error (with its
 * location), config errors at create, json round trip, fs inside allow_paths, exec.run, emit,
 * http.request against the loopback test server (and refused by the network policy), pooled state
 * counting per worker, fresh state forgetting globals.
 *
 * exec.run runs this very executable as the child (`--child print TEXT`, `--child exit CODE`), so
 * the same assertions hold on Linux and under Wine.
 */
#include "test_lua_fixture.h"
#include "http_test_server.h"

#ifdef _WIN32
#define EXE_SUFFIX ".exe"
#else
#define EXE_SUFFIX ""
#endif

static char g_self[1200];

static int child_main(int argc, char **argv)
{
    if (argc == 4 && strcmp(argv[2], "print") == 0) { fputs(argv[3], stdout); return 0; }
    if (argc == 4 && strcmp(argv[2], "exit") == 0) { fputs("bye", stderr); return atoi(argv[3]); }
    return 64;
}

static int run_code(const char *code, const char *extra, const wee_event *ev, wee_event *results, char *error,
                    size_t size)
{
    char *opts = code_opts(code, extra);
    lua_fixture f;
    fixture_open(&f, opts);
    free(opts);
    if (f.create_rc != 0) fail_msg("create failed: %s", f.err);
    int rc = fixture_run_on(&f, 0, ev, results, error, size);
    fixture_close(&f);
    return rc;
}

static void expect_ok(const char *code, const char *extra, const wee_event *ev, wee_event *results)
{
    char error[1024];
    int rc = run_code(code, extra, ev, results, error, sizeof error);
    if (rc != 0) fail_msg("script failed: %s", error);
}

static void test_fields_typed_and_results_visible(void **state)
{
    (void)state;
    wee_event *ev = sample_event(), *results = event_new("results");
    event_set_int(results, "exec.exit_code", 3);
    event_set_string(results, "exec.stdout", "out\n");
    event_set_bool(results, "http.ok", 1);
    expect_ok("function on_event(t)\n"
              "  assert(t.type == 'file.created', 'type ' .. tostring(t.type))\n"
              "  assert(t.path == '/in/a.txt' and t.name == 'a.txt')\n"
              "  assert(math.type(t.size) == 'integer' and t.size == 1234)\n"
              "  assert(t.is_dir == false)\n"
              "  assert(t.source == 'downloads')\n"
              "  assert(t['exec.exit_code'] == 3 and t['exec.stdout'] == 'out\\n' and t['http.ok'] == true)\n"
              "end", "", ev, results);
    /* lua.ok is published for later actions. */
    assert_true(event_get_bool(results, "lua.ok", 0));
    event_free(ev);
    event_free(results);
}

static void test_failure_forms(void **state)
{
    (void)state;
    char error[1024];
    wee_event *ev = sample_event(), *results = event_new("results");
    assert_true(run_code("function on_event(t) return {ok = false, message = 'disk full: ' .. t.name} end", "", ev,
                         results, error, sizeof error) != 0);
    assert_string_equal(error, "disk full: a.txt");
    assert_false(event_get_bool(results, "lua.ok", 1));

    assert_true(run_code("function on_event(t) return false end", "", ev, NULL, error, sizeof error) != 0);
    assert_string_equal(error, "on_event returned false");

    assert_true(run_code("function on_event(t) return {ok = false} end", "", ev, NULL, error, sizeof error) != 0);
    assert_string_equal(error, "the script returned ok = false");

    /* Returning nothing, true or {ok = true} succeeds. */
    expect_ok("function on_event(t) end", "", ev, NULL);
    expect_ok("function on_event(t) return true end", "", ev, NULL);
    expect_ok("function on_event(t) return {ok = true, message = 'ignored'} end", "", ev, NULL);

    /* A Lua error: its text with chunk:line, and the frames that led there. */
    assert_true(run_code("local function inner()\n  error('boom')\nend\nfunction on_event(t)\n  inner()\nend", "", ev,
                         NULL, error, sizeof error) != 0);
    assert_non_null(strstr(error, "code:2: boom"));
    assert_non_null(strstr(error, "[at code:2 <- code:5]"));

    assert_true(run_code("function on_event(t) local x = nil; return x.y end", "", ev, NULL, error, sizeof error) != 0);
    assert_non_null(strstr(error, "code:1: attempt to index a nil value (local 'x')"));

    /* Another function name; a missing function is named. */
    expect_ok("function handle(t) assert(t.name == 'a.txt') end", ", \"function\": \"handle\"", ev, NULL);
    assert_true(run_code("function other() end", "", ev, NULL, error, sizeof error) != 0);
    assert_non_null(strstr(error, "defines no function 'on_event'"));
    event_free(ev);
    event_free(results);
}

static void expect_create_error(const char *options_json, const char *needle)
{
    lua_fixture f;
    fixture_open(&f, options_json);
    if (f.create_rc == 0 || !strstr(f.err, needle))
        fail_msg("options %s: rc=%d err='%s' (expected '%s')", options_json, f.create_rc, f.err, needle);
    fixture_close(&f);
}

static void test_config_errors(void **state)
{
    (void)state;
    expect_create_error("{\"code\": \"function on_event( end\"}", "syntax error: code:1:");
    expect_create_error("{}", "give exactly one of 'file' (a .lua script) or 'code' (inline Lua)");
    expect_create_error("{\"code\": \"x = 1\", \"file\": \"a.lua\"}", "give exactly one of");
    expect_create_error("{\"code\": \"\"}", "'code' is empty");
    expect_create_error("{\"code\": \"x = 1\", \"function\": \"on event\"}", "is not a Lua global name");
    expect_create_error("{\"code\": \"x = 1\", \"allow_paths\": [\"/no/such/folder/anywhere\"]}",
                        "allow_paths[0]");
    expect_create_error("{\"code\": \"x = 1\", \"allow_paths\": [\"relative/dir\"]}", "not an absolute path");
    /* Bytecode is refused as source too (text mode only). */
    expect_create_error("{\"code\": \"\\u001bLuaT\"}", "attempt to load a binary chunk");
    /* Option validation by the host: unknown isolation, too little memory. */
    expect_create_error("{\"code\": \"x = 1\", \"isolation\": \"shared\"}", "options rejected");
    expect_create_error("{\"code\": \"x = 1\", \"memory_kb\": 1}", "options rejected");

    char *dir = test_make_temp_dir("lua_cfg"), *missing = test_path_join(dir, "missing.lua");
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "file", missing);
    char *text = cJSON_PrintUnformatted(o);
    expect_create_error(text, "file: cannot read");
    cJSON_free(text);
    cJSON_Delete(o);
    test_remove_tree(dir);
    free(missing);
    free(dir);
}

static void test_script_file_names_its_lines(void **state)
{
    (void)state;
    char *dir = test_make_temp_dir("lua_file"), *script = test_path_join(dir, "hook.lua");
    assert_int_equal(test_write_file(script, "-- a script\nfunction on_event(t)\n  error('from file')\nend\n"), 0);
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "file", script);
    char *text = cJSON_PrintUnformatted(o);
    lua_fixture f;
    fixture_open(&f, text);
    cJSON_free(text);
    cJSON_Delete(o);
    assert_int_equal(f.create_rc, 0);
    char error[1024];
    wee_event *ev = sample_event();
    assert_true(fixture_run(&f, ev, error, sizeof error) != 0);
    assert_non_null(strstr(error, "hook.lua:3: from file"));
    event_free(ev);
    fixture_close(&f);
    test_remove_tree(dir);
    free(script);
    free(dir);
}

/* The table functions replaced with step-budgeted ones (lua_tablib.c) and the wrapped string.rep behave
 * as Lua 5.4's: results, metamethods and errors. */
static void test_bounded_library_behaves_like_lua(void **state)
{
    (void)state;
    wee_event *ev = sample_event();
    expect_ok("function on_event(t)\n"
              "  local a = {5, 3, 8, 1, 9, 2, 7} table.sort(a) assert(table.concat(a, ',') == '1,2,3,5,7,8,9')\n"
              "  table.sort(a, function(x, y) return x > y end) assert(table.concat(a, ',') == '9,8,7,5,3,2,1')\n"
              "  local r = {} for i = 1, 500 do r[i] = (i * 7919) % 1009 end table.sort(r)\n"
              "  for i = 2, 500 do assert(r[i - 1] <= r[i]) end\n"
              "  local w = {'b', 'a', 'c'} table.sort(w) assert(table.concat(w) == 'abc')\n"
              "  assert(not pcall(table.sort, {1, 'x', 2}))\n"
              "  local b = {1, 2, 3} table.insert(b, 2, 'x') table.insert(b, 'y') assert(table.concat(b) == '1x23y')\n"
              "  assert(table.remove(b, 1) == 1 and table.remove(b) == 'y' and table.concat(b) == 'x23')\n"
              "  assert(table.remove({}) == nil and not pcall(table.insert, {}, 5, 'x'))\n"
              "  assert(not pcall(table.insert, {}, 1, 2, 3))\n"
              "  assert(table.concat(table.move({1, 2, 3}, 1, 3, 2), ',') == '1,1,2,3')\n"
              "  assert(table.concat(table.move({1, 2, 3}, 2, 3, 1), ',') == '2,3,3')\n"
              "  local dst = table.move({1, 2}, 1, 2, 2, {9}) assert(dst[1] == 9 and dst[2] == 1 and dst[3] == 2)\n"
              "  assert(table.concat({1, 2, 3}, '-', 2, 3) == '2-3' and table.concat({}, 'x') == '')\n"
              "  assert(not pcall(table.concat, {1, {}, 3}))\n"
              "  local p = setmetatable({}, {__index = function(_, k) return k * 10 end, __len = function() return 3 end})\n"
              "  assert(table.concat(p, ',') == '10,20,30')\n"
              "  local x, y, z = table.unpack({1, 2, 3}) assert(x == 1 and z == 3)\n"
              "  assert(select('#', table.unpack({}, 1, 3)) == 3 and select('#', table.unpack({1, 2}, 2)) == 1)\n"
              "  assert(string.rep('', 5) == '' and string.rep('', 5, '') == '' and string.rep('ab', 3, '-') == 'ab-ab-ab')\n"
              "  assert(('x'):rep(3) == 'xxx' and string.rep('x', 0) == '' and string.rep('', 3, ',') == ',,')\n"
              "  assert(load(coroutine.wrap(function() coroutine.yield('return ') coroutine.yield('7') end))() == 7)\n"
              "end", "", ev, NULL);
    event_free(ev);
}

static void test_json_round_trip(void **state)
{
    (void)state;
    wee_event *ev = sample_event();
    expect_ok("function on_event(t)\n"
              "  local v = {name = t.name, n = 9007199254740991, f = 1.5, ok = true, list = {1, 'two', {x = 3}},\n"
              "             none = json.null, empty = {}, text = 'quote \" slash \\\\ nl \\n \\u{e9}'}\n"
              "  local s = json.encode(v)\n"
              "  local back = json.decode(s)\n"
              "  assert(back.name == 'a.txt' and back.n == 9007199254740991, s)\n"
              "  assert(back.f == 1.5 and back.ok == true and back.none == json.null)\n"
              "  assert(back.list[1] == 1 and back.list[2] == 'two' and back.list[3].x == 3)\n"
              "  assert(next(back.empty) == nil and back.text == v.text)\n"
              "  assert(json.encode({1, 2, 3}) == '[1,2,3]')\n"
              "  assert(json.decode('  [true, null, 2.5e1]  ')[3] == 25)\n"
              "  local ok, err = pcall(json.decode, '{\"a\": 1,\\n  \"b\": }')\n"
              "  assert(not ok and err:find('json.decode: invalid JSON at byte 17 %(line 2, column 8%)'), err)\n"
              "  ok, err = pcall(json.decode, '[1] trailing')\n"
              "  assert(not ok and err:find('invalid JSON'), err)\n"
              "  local cyc = {} cyc.self = cyc\n"
              "  ok, err = pcall(json.encode, cyc)\n"
              "  assert(not ok and err:find('nesting deeper than'), err)\n"
              "  ok, err = pcall(json.encode, {a = {print}})\n"
              "  assert(not ok and err:find('cannot encode a function value at %$%.a%[1%]'), err)\n"
              "  ok, err = pcall(json.encode, 0/0)\n"
              "  assert(not ok and err:find('NaN'), err)\n"
              "end", "", ev, NULL);
    event_free(ev);
}

static void test_fs_within_allow_paths(void **state)
{
    (void)state;
    char *dir = test_make_temp_dir("lua_fs"), *in = test_path_join(dir, "in.txt");
    assert_int_equal(test_write_file(in, "hello"), 0);
    wee_event *ev = sample_event();
    event_set_string(ev, "dir", dir);
    cJSON *allow = cJSON_CreateString(dir);
    char *lit = cJSON_PrintUnformatted(allow), extra[1400];
    snprintf(extra, sizeof extra, ", \"allow_paths\": [%s]", lit);
    cJSON_free(lit);
    cJSON_Delete(allow);
    expect_ok("function on_event(t)\n"
              "  local sep = t.dir:find('\\\\') and '\\\\' or '/'\n"
              "  local function p(name) return t.dir .. sep .. name end\n"
              "  assert(fs.read(p('in.txt')) == 'hello')\n"
              "  assert(fs.exists(p('in.txt')) and not fs.exists(p('nope.txt')))\n"
              "  fs.write(p('out.txt'), 'a')\n"
              "  fs.write(p('out.txt'), 'b', true)\n"
              "  assert(fs.read(p('out.txt')) == 'ab')\n"
              "  fs.write(p('sub') .. sep .. '..' .. sep .. 'dotdot.txt', 'inside')\n"
              "  assert(fs.read(p('dotdot.txt')) == 'inside')\n"
              "  fs.move(p('out.txt'), p('moved.txt'))\n"
              "  assert(not fs.exists(p('out.txt')))\n"
              "  local names = fs.list(t.dir)\n"
              "  assert(#names == 3 and names[1] == 'dotdot.txt' and names[2] == 'in.txt' and names[3] == 'moved.txt',\n"
              "         table.concat(names, ','))\n"
              "  fs.delete(p('moved.txt'))\n"
              "  assert(not fs.exists(p('moved.txt')))\n"
              "  local ok, err = pcall(fs.read, p('nope.txt'))\n"
              "  assert(not ok and err:find('fs.read: cannot read'), err)\n"
              "end", extra, ev, NULL);
    char *moved = test_path_join(dir, "moved.txt");
    assert_false(plat_path_exists(moved));
    free(moved);
    event_free(ev);
    test_remove_tree(dir);
    free(in);
    free(dir);
}

static void test_exec_run(void **state)
{
    (void)state;
    wee_event *ev = sample_event();
    event_set_string(ev, "self", g_self);
    expect_ok("function on_event(t)\n"
              "  local r = exec.run({t.self, '--child', 'print', 'hi there'}, {timeout_ms = 10000})\n"
              "  assert(r.exit_code == 0 and r.stdout == 'hi there' and r.ok and not r.timed_out, r.stdout)\n"
              "  r = exec.run({t.self, '--child', 'exit', '3'})\n"
              "  assert(r.exit_code == 3 and r.stderr == 'bye' and not r.ok)\n"
              "  local ok, err = pcall(exec.run, {t.self .. '-missing'})\n"
              "  assert(not ok and err:find('exec.run: cannot start'), err)\n"
              "  ok, err = pcall(exec.run, {})\n"
              "  assert(not ok and err:find('argv must list'), err)\n"
              "end", ", \"allow_exec\": true, \"timeout_ms\": 20000", ev, NULL);
    event_free(ev);
}

static void test_emit_reaches_the_host(void **state)
{
    (void)state;
    char *opts = code_opts("function on_event(t)\n"
                           "  emit('backup.done', {path = t.path, bytes = 42, ok = true, ratio = 0.5})\n"
                           "  local ok, err = pcall(emit, 'x.y', {bad = {}})\n"
                           "  assert(not ok and err:find(\"field 'bad' is a table\"), err)\n"
                           "end", "");
    lua_fixture f;
    fixture_open(&f, opts);
    free(opts);
    assert_int_equal(f.create_rc, 0);
    char error[1024];
    wee_event *ev = sample_event();
    if (fixture_run(&f, ev, error, sizeof error) != 0) fail_msg("%s", error);
    assert_int_equal(f.emitted_count, 1);
    const wee_event *out = f.emitted[0];
    assert_string_equal(event_type(out), "backup.done");
    assert_string_equal(event_get_string(out, "path"), "/in/a.txt");
    assert_int_equal(event_get_int(out, "bytes", 0), 42);
    assert_true(event_get_bool(out, "ok", 0));
    assert_string_equal(event_get_string(out, "ratio"), "0.5");
    assert_true(event_get_bool(out, "by_engine", 0) || out->by_engine); /* marked by the host */
    event_free(ev);
    fixture_close(&f);
}

static void test_pooled_state_per_worker_and_fresh_forgets(void **state)
{
    (void)state;
    const char *code = "counter = (counter or 0) + 1\n"
                       "function on_event(t)\n"
                       "  state.n = (state.n or 0) + 1\n"
                       "  if state.n ~= t.expect or counter ~= 1 then\n"
                       "    return {ok = false, message = 'n=' .. state.n .. ' counter=' .. counter}\n"
                       "  end\n"
                       "end";
    action_call_set_worker_count(2);
    char error[1024];
    char *opts = code_opts(code, ", \"isolation\": \"pooled\"");
    lua_fixture f;
    fixture_open(&f, opts);
    free(opts);
    assert_int_equal(f.create_rc, 0);
    wee_event *ev = sample_event();
    for (int i = 1; i <= 3; i++) {
        event_set_int(ev, "expect", i);
        if (fixture_run_on(&f, 0, ev, NULL, error, sizeof error) != 0) fail_msg("pooled worker 0, event %d: %s", i, error);
    }
    event_set_int(ev, "expect", 1); /* worker 1 has its own state */
    if (fixture_run_on(&f, 1, ev, NULL, error, sizeof error) != 0) fail_msg("pooled worker 1: %s", error);
    event_set_int(ev, "expect", 4);
    if (fixture_run_on(&f, 0, ev, NULL, error, sizeof error) != 0) fail_msg("pooled worker 0 again: %s", error);
    fixture_close(&f);

    opts = code_opts(code, ", \"isolation\": \"fresh\"");
    fixture_open(&f, opts);
    free(opts);
    assert_int_equal(f.create_rc, 0);
    event_set_int(ev, "expect", 1);
    for (int i = 0; i < 3; i++)
        if (fixture_run_on(&f, 0, ev, NULL, error, sizeof error) != 0) fail_msg("fresh event %d: %s", i, error);
    fixture_close(&f);
    action_call_set_worker_count(1);
    event_free(ev);
}

/* Four workers at once on one pooled instance: each keeps its own state, every count arrives in order. */
typedef struct worker_job {
    lua_fixture *f;
    unsigned index;
    int failures;
    char error[512];
} worker_job;

static void pooled_worker_main(void *arg)
{
    worker_job *job = arg;
    wee_event *ev = sample_event();
    for (int i = 1; i <= 200; i++) {
        event_set_int(ev, "expect", i);
        char error[512];
        if (fixture_run_on(job->f, job->index, ev, NULL, error, sizeof error) != 0 && job->failures++ == 0)
            snprintf(job->error, sizeof job->error, "%s", error);
    }
    event_free(ev);
}

static void test_pooled_workers_run_concurrently(void **state)
{
    (void)state;
    action_call_set_worker_count(4);
    char *opts = code_opts("function on_event(t)\n"
                           "  state.n = (state.n or 0) + 1\n"
                           "  local s = json.encode({n = state.n, path = t.path})\n"
                           "  if json.decode(s).n ~= t.expect then return {ok = false, message = s} end\n"
                           "end", ", \"isolation\": \"pooled\"");
    lua_fixture f;
    fixture_open(&f, opts);
    free(opts);
    assert_int_equal(f.create_rc, 0);
    worker_job jobs[4];
    plat_thread threads[4];
    for (unsigned i = 0; i < 4; i++) {
        memset(&jobs[i], 0, sizeof jobs[i]);
        jobs[i].f = &f;
        jobs[i].index = i;
        assert_int_equal(plat_thread_start(&threads[i], pooled_worker_main, &jobs[i]), 0);
    }
    for (unsigned i = 0; i < 4; i++) plat_thread_join(&threads[i]);
    for (unsigned i = 0; i < 4; i++)
        if (jobs[i].failures) fail_msg("worker %u: %d failures, first: %s", i, jobs[i].failures, jobs[i].error);
    fixture_close(&f);
    action_call_set_worker_count(1);
}

static void test_pooled_state_rebuilt_after_timeout(void **state)
{
    (void)state;
    char *opts = code_opts("function on_event(t)\n"
                           "  state.n = (state.n or 0) + 1\n"
                           "  if t.spin then while true do end end\n"
                           "  if state.n ~= t.expect then return {ok = false, message = 'n=' .. state.n} end\n"
                           "end", ", \"isolation\": \"pooled\", \"timeout_ms\": 200");
    lua_fixture f;
    fixture_open(&f, opts);
    free(opts);
    assert_int_equal(f.create_rc, 0);
    char error[1024];
    wee_event *ev = sample_event();
    event_set_int(ev, "expect", 1);
    assert_int_equal(fixture_run(&f, ev, error, sizeof error), 0);
    event_set_bool(ev, "spin", 1);
    assert_true(fixture_run(&f, ev, error, sizeof error) != 0);
    assert_non_null(strstr(error, "timeout after 200 ms"));
    event_set_bool(ev, "spin", 0);
    event_set_int(ev, "expect", 1); /* a new state: the count starts again */
    if (fixture_run(&f, ev, error, sizeof error) != 0) fail_msg("%s", error);
    event_free(ev);
    fixture_close(&f);
}

static void test_http_request(void **state)
{
    (void)state;
    http_test_server *s = http_test_server_start();
    assert_non_null(s);
    char url[256];
    http_test_server_url(s, "/hook?x=1", url, sizeof url);
    http_test_server_push_response(s, 201, "created");
    http_test_server_push_response(s, 503, "busy");
    wee_event *ev = sample_event();
    event_set_string(ev, "url", url);
    char *allow[] = { "127.0.0.1" };
    net_policy_set(1, allow, 1);
    expect_ok("function on_event(t)\n"
              "  local r = http.request{method = 'POST', url = t.url, body = json.encode({name = t.name}),\n"
              "                         headers = {['Content-Type'] = 'application/json', ['X-Rule'] = 'r1'}}\n"
              "  assert(r.status == 201 and r.body == 'created' and r.ok == true, tostring(r.status))\n"
              "  r = http.request{url = t.url}\n"
              "  assert(r.status == 503 and r.body == 'busy' and r.ok == false)\n"
              "  local ok, err = pcall(http.request, {url = t.url, headers = {['X-Bad'] = 'a\\r\\nInjected: 1'}})\n"
              "  assert(not ok and err:find('line break'), err)\n"
              "end", "", ev, NULL);
    assert_int_equal(http_test_server_request_count(s), 2);
    const http_test_request *r = http_test_server_request(s, 0);
    assert_string_equal(r->method, "POST");
    assert_string_equal(r->target, "/hook?x=1");
    assert_string_equal(r->body, "{\"name\":\"a.txt\"}");
    assert_string_equal(http_test_request_header(r, "X-Rule"), "r1");
    assert_string_equal(http_test_request_header(r, "Content-Type"), "application/json");
    assert_string_equal(http_test_server_request(s, 1)->method, "GET");

    /* The allowlist is asked per request; a refused host is a clear error and nothing is sent. */
    char *other[] = { "example.com" };
    net_policy_set(1, other, 1);
    char error[1024];
    assert_true(run_code("function on_event(t) http.request{url = t.url} end", "", ev, NULL, error, sizeof error) != 0);
    assert_non_null(strstr(error, "host \"127.0.0.1\" is not in engine.http_allow"));
    net_policy_set(0, NULL, 0);
    assert_true(run_code("function on_event(t) http.request{url = t.url} end", "", ev, NULL, error, sizeof error) != 0);
    assert_non_null(strstr(error, "network requests are off"));
    assert_int_equal(http_test_server_request_count(s), 2);

    /* A server that never answers: the request is cut by the script's own time limit, not an error. */
    net_policy_set(1, NULL, 0);
    http_test_server_push_hang(s);
    expect_ok("function on_event(t)\n"
              "  local r = http.request{url = t.url, timeout_ms = 300}\n"
              "  assert(r.status == 0 and r.ok == false and r.error:find('timed out'), r.error)\n"
              "end", "", ev, NULL);
    net_policy_set(0, NULL, 0);
    event_free(ev);
    http_test_server_stop(s);
}

int main(int argc, char **argv)
{
    if (argc >= 2 && strcmp(argv[1], "--child") == 0) return child_main(argc, argv);
    test_init();
    fixture_dirs_init();
    char exe_dir[1024];
    assert_int_equal(plat_exe_dir(exe_dir, sizeof exe_dir), 0);
    snprintf(g_self, sizeof g_self, "%s%stest_lua_action%s", exe_dir, plat_path_sep(), EXE_SUFFIX);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_fields_typed_and_results_visible),
        cmocka_unit_test(test_failure_forms),
        cmocka_unit_test(test_config_errors),
        cmocka_unit_test(test_script_file_names_its_lines),
        cmocka_unit_test(test_bounded_library_behaves_like_lua),
        cmocka_unit_test(test_json_round_trip),
        cmocka_unit_test(test_fs_within_allow_paths),
        cmocka_unit_test(test_exec_run),
        cmocka_unit_test(test_emit_reaches_the_host),
        cmocka_unit_test(test_pooled_state_per_worker_and_fresh_forgets),
        cmocka_unit_test(test_pooled_workers_run_concurrently),
        cmocka_unit_test(test_pooled_state_rebuilt_after_timeout),
        cmocka_unit_test(test_http_request),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
