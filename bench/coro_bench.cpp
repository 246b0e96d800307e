// coro_bench.cpp - coro_sink against spdlog's async_logger and the synchronous floor, in one run.
//
// Every contender logs the same message ("Hello logger: msg number {}" plus 60 bytes, about
// 100 bytes of payload) through a logger named "bench" with the same pattern into the same
// wrapped sink. Contenders:
//   F            a synchronous logger straight into the wrapped sink (the floor: spdlog's own
//                front end, which no sink in front of it can beat);
//   async/block  spdlog::async_logger, queue 8192, one worker, async_overflow_policy::block;
//   async/overrun                           ... async_overflow_policy::overrun_oldest;
//   coro/coop    coro_sink_mt, cooperative driver (writes inline when a batch is due);
//   coro/manual  coro_sink_mt, manual driver, pumped with poll() by the producer loop;
//   coro/thread  coro_sink_mt, thread driver.
// Scenarios (see docs/benchmarks.md): per-call latency, throughput until written and
// flushed, memory per queued message and allocations per message, a slow wrapped sink.
//
// Usage: coro_bench [--quick] [--csv FILE]   (bash scripts/dev.sh bench runs it and plots)
// Figures vary by machine; the ratios measured side by side in one run are what to compare.

#include <spdlog/async.h>
#include <spdlog/async_logger.h>
#include <spdlog/details/thread_pool.h>
#include <spdlog/sinks/basic_file_sink.h>
#include <spdlog/sinks/coro_sink.h>
#include <spdlog/spdlog.h>
#include <spdlog/version.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <memory>
#include <new>
#include <string>
#include <thread>
#include <vector>

// ---------------------------------------------------------------------------------------
// Heap accounting: a replaced global operator new that counts calls and live bytes.

namespace heap {
std::atomic<std::uint64_t> allocations{0};
std::atomic<std::int64_t> live_bytes{0};
}  // namespace heap

namespace {
// Each block carries its size in a 16-byte header so operator delete can subtract it.
constexpr std::size_t header = 16;
void *counted_alloc(std::size_t n) {
    void *p = std::malloc(n + header);
    if (p == nullptr) throw std::bad_alloc();
    *static_cast<std::size_t *>(p) = n;
    heap::allocations.fetch_add(1, std::memory_order_relaxed);
    heap::live_bytes.fetch_add(static_cast<std::int64_t>(n), std::memory_order_relaxed);
    return static_cast<char *>(p) + header;
}
void counted_free(void *p) noexcept {
    if (p == nullptr) return;
    void *base = static_cast<char *>(p) - header;
    heap::live_bytes.fetch_sub(static_cast<std::int64_t>(*static_cast<std::size_t *>(base)),
                               std::memory_order_relaxed);
    std::free(base);
}
void *counted_aligned_alloc(std::size_t n, std::size_t align) {
    // Over-aligned blocks: allocate with room to align, remember the raw pointer and size.
    const std::size_t extra = align + 2 * sizeof(void *);
    void *raw = counted_alloc(n + extra);
    auto addr = reinterpret_cast<std::uintptr_t>(raw) + 2 * sizeof(void *);
    addr = (addr + align - 1) & ~(static_cast<std::uintptr_t>(align) - 1);
    reinterpret_cast<void **>(addr)[-1] = raw;
    return reinterpret_cast<void *>(addr);
}
void counted_aligned_free(void *p) noexcept {
    if (p != nullptr) counted_free(static_cast<void **>(p)[-1]);
}
}  // namespace

void *operator new(std::size_t n) { return counted_alloc(n); }
void *operator new[](std::size_t n) { return counted_alloc(n); }
void operator delete(void *p) noexcept { counted_free(p); }
void operator delete[](void *p) noexcept { counted_free(p); }
void operator delete(void *p, std::size_t) noexcept { counted_free(p); }
void operator delete[](void *p, std::size_t) noexcept { counted_free(p); }
void *operator new(std::size_t n, std::align_val_t a) {
    return counted_aligned_alloc(n, static_cast<std::size_t>(a));
}
void *operator new[](std::size_t n, std::align_val_t a) {
    return counted_aligned_alloc(n, static_cast<std::size_t>(a));
}
void operator delete(void *p, std::align_val_t) noexcept { counted_aligned_free(p); }
void operator delete[](void *p, std::align_val_t) noexcept { counted_aligned_free(p); }
void operator delete(void *p, std::size_t, std::align_val_t) noexcept { counted_aligned_free(p); }
void operator delete[](void *p, std::size_t, std::align_val_t) noexcept { counted_aligned_free(p); }

namespace {

using clock_type = std::chrono::steady_clock;
using spdlog::sink_ptr;
namespace sinks = spdlog::sinks;

constexpr const char *filler =
    "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFGHIJKLMNOPQRSTUVWX";  // 60
constexpr const char *pattern = "[%Y-%m-%d %H:%M:%S.%e] [%n] [%l] %v";

// The wrapped sink of the null scenarios: counts messages and flushes, does no I/O and no
// formatting (like spdlog's null_sink), optionally sleeps to play a slow destination.
class counting_sink final : public sinks::sink {
public:
    explicit counting_sink(std::chrono::microseconds delay = {})
        : delay_(delay) {}
    void log(const spdlog::details::log_msg &) override {
        if (delay_.count() > 0) std::this_thread::sleep_for(delay_);
        written.fetch_add(1, std::memory_order_release);
    }
    void flush() override { flushes.fetch_add(1, std::memory_order_release); }
    void set_pattern(const std::string &) override {}
    void set_formatter(std::unique_ptr<spdlog::formatter>) override {}
    std::atomic<std::uint64_t> written{0};
    std::atomic<std::uint64_t> flushes{0};

private:
    std::chrono::microseconds delay_;
};

// The file scenario: spdlog's basic_file_sink (final, so wrapped), counting what reached it.
class counting_file_sink final : public sinks::sink {
public:
    explicit counting_file_sink(const std::string &path)
        : file_(std::make_shared<sinks::basic_file_sink_mt>(path, true)) {}
    void log(const spdlog::details::log_msg &msg) override {
        file_->log(msg);
        written.fetch_add(1, std::memory_order_release);
    }
    void flush() override {
        file_->flush();
        flushes.fetch_add(1, std::memory_order_release);
    }
    void set_pattern(const std::string &p) override { file_->set_pattern(p); }
    void set_formatter(std::unique_ptr<spdlog::formatter> f) override {
        file_->set_formatter(std::move(f));
    }
    std::atomic<std::uint64_t> written{0};
    std::atomic<std::uint64_t> flushes{0};

private:
    std::shared_ptr<sinks::basic_file_sink_mt> file_;
};

// One contender: how to build its logger around a wrapped sink, what the producer loop
// does every 128 messages (the manual driver's pump), and how to wait until written.
struct contender {
    std::string name;
    std::function<std::shared_ptr<spdlog::logger>(sink_ptr)> make;
    bool pumped = false;  // manual driver: the producer loop calls poll()
};

std::shared_ptr<spdlog::details::thread_pool> g_pool;  // the async contenders' pool

sinks::coro_sink_options coro_options(sinks::coro_driver driver,
                                      sinks::overflow_strategy overflow,
                                      std::size_t queue = 8192) {
    sinks::coro_sink_options o;
    o.driver = driver;
    o.overflow = overflow;
    o.max_queue_size = queue;
    o.batch_size = std::min<std::size_t>(256, queue);
    o.flush_interval = std::chrono::milliseconds(50);
    return o;
}

std::vector<contender> contenders(spdlog::async_overflow_policy spdlog_policy,
                                  sinks::overflow_strategy ours,
                                  std::size_t queue = 8192) {
    std::vector<contender> c;
    c.push_back({"F (sync)", [](sink_ptr s) {
                     return std::make_shared<spdlog::logger>("bench", std::move(s));
                 }});
    const char *async_name =
        spdlog_policy == spdlog::async_overflow_policy::block ? "async/block" : "async/overrun";
    c.push_back({async_name, [spdlog_policy, queue](sink_ptr s) {
                     g_pool = std::make_shared<spdlog::details::thread_pool>(queue, 1);
                     return std::static_pointer_cast<spdlog::logger>(
                         std::make_shared<spdlog::async_logger>("bench", std::move(s), g_pool,
                                                                spdlog_policy));
                 }});
    const std::pair<const char *, sinks::coro_driver> drivers[] = {
        {"coro/coop", sinks::coro_driver::cooperative},
        {"coro/manual", sinks::coro_driver::manual},
        {"coro/thread", sinks::coro_driver::thread}};
    for (const auto &[name, driver] : drivers) {
        const auto d = driver;
        c.push_back({name,
                     [d, ours, queue](sink_ptr s) {
                         auto coro = std::make_shared<sinks::coro_sink_mt>(
                             std::vector<sink_ptr>{std::move(s)}, coro_options(d, ours, queue));
                         return std::make_shared<spdlog::logger>("bench", coro);
                     },
                     d == sinks::coro_driver::manual});
    }
    return c;
}

sinks::coro_sink_mt *coro_of(spdlog::logger &logger) {
    return dynamic_cast<sinks::coro_sink_mt *>(logger.sinks().front().get());
}

void pump(spdlog::logger &logger) {
    if (auto *coro = coro_of(logger)) coro->poll();
}

// Waits until everything logged so far was written (or dropped by the queue) and flushed.
// coro_sink's flush() does exactly that. spdlog's async flush() only queues a request, and
// under overrun_oldest the request itself can be evicted: repeat it until the wrapped sink
// sees a flush; the queue is FIFO, so by then everything logged before was handled.
template <typename Sink>
void finish(spdlog::logger &logger, Sink &sink) {
    if (auto *coro = coro_of(logger)) {
        coro->flush_for(std::chrono::minutes(5));
        return;
    }
    const auto flushes_before = sink.flushes.load();
    while (sink.flushes.load(std::memory_order_acquire) == flushes_before) {
        logger.flush();
        const auto asked = clock_type::now();
        while (sink.flushes.load(std::memory_order_acquire) == flushes_before &&
               clock_type::now() - asked < std::chrono::milliseconds(5)) {
            std::this_thread::yield();
        }
    }
}

// Stops whatever the logger owns (worker threads) before the next contender runs.
void dispose(std::shared_ptr<spdlog::logger> &logger) {
    logger.reset();
    g_pool.reset();
}

struct percentiles {
    double p50 = 0, p99 = 0, p999 = 0, max = 0;
};

percentiles summarize(std::vector<std::uint32_t> &ns) {
    percentiles p;
    if (ns.empty()) return p;
    auto at = [&](double q) {
        auto k = static_cast<std::size_t>(q * static_cast<double>(ns.size() - 1));
        std::nth_element(ns.begin(), ns.begin() + static_cast<std::ptrdiff_t>(k), ns.end());
        return static_cast<double>(ns[k]);
    };
    p.p50 = at(0.50);
    p.p99 = at(0.99);
    p.p999 = at(0.999);
    p.max = static_cast<double>(*std::max_element(ns.begin(), ns.end()));
    return p;
}

// ---------------------------------------------------------------------------------------
// Results: one row per (scenario, metric, contender); printed as a table and as CSV.

struct row {
    std::string scenario, metric, contender, unit;
    double value;
};
std::vector<row> g_rows;

void record(const std::string &scenario,
            const std::string &metric,
            const std::string &who,
            double value,
            const std::string &unit) {
    g_rows.push_back({scenario, metric, who, unit, value});
}

// Runs `threads` producers of `per_thread` messages each; returns per-call latencies when
// `timed`, and the wall time until every message was written and flushed.
template <typename Sink>
double run_producers(const contender &c,
                     spdlog::logger &logger,
                     Sink &sink,
                     int threads,
                     std::size_t per_thread,
                     bool timed,
                     std::vector<std::uint32_t> *latencies,
                     std::chrono::nanoseconds gap = {}) {
    std::vector<std::vector<std::uint32_t>> lat(static_cast<std::size_t>(threads));
    for (auto &v : lat) v.resize(timed ? per_thread : 0);
    std::atomic<int> ready{0};
    std::atomic<bool> go{false};
    std::vector<std::thread> workers;
    for (int t = 0; t < threads; ++t) {
        workers.emplace_back([&, t] {
            auto &mine = lat[static_cast<std::size_t>(t)];
            ready.fetch_add(1);
            while (!go.load(std::memory_order_acquire)) std::this_thread::yield();
            for (std::size_t i = 0; i < per_thread; ++i) {
                if (timed) {
                    const auto t0 = clock_type::now();
                    logger.info("Hello logger: msg number {} {}", i, filler);
                    const auto t1 = clock_type::now();
                    mine[i] = static_cast<std::uint32_t>(std::min<std::int64_t>(
                        std::chrono::duration_cast<std::chrono::nanoseconds>(t1 - t0).count(),
                        UINT32_MAX));
                    // Pacing: a service logs between pieces of work, not in one burst.
                    while (gap.count() > 0 && clock_type::now() - t1 < gap) {
                    }
                } else {
                    logger.info("Hello logger: msg number {} {}", i, filler);
                }
                if (c.pumped && (i & 127) == 127) pump(logger);
            }
        });
    }
    while (ready.load() != threads) std::this_thread::yield();
    const auto start = clock_type::now();
    go.store(true, std::memory_order_release);
    for (auto &w : workers) w.join();
    finish(logger, sink);
    const double seconds = std::chrono::duration<double>(clock_type::now() - start).count();
    if (latencies != nullptr) {
        for (auto &v : lat) latencies->insert(latencies->end(), v.begin(), v.end());
    }
    return seconds;
}

// 1. Per-call latency, null wrapped sink. Paced (a gap of busy work between calls, as in a
// service; spdlog's worker then parks between messages and every push pays a futex wake)
// or in a burst (the queue never empties; spdlog's worker never parks).
void scenario_latency(int threads, std::size_t per_thread, std::chrono::nanoseconds gap) {
    const std::string scenario = std::string(gap.count() > 0 ? "latency " : "burst latency ") +
                                 std::to_string(threads) + "T";
    for (auto policy :
         {spdlog::async_overflow_policy::block, spdlog::async_overflow_policy::overrun_oldest}) {
        const auto ours = policy == spdlog::async_overflow_policy::block
                              ? sinks::overflow_strategy::block
                              : sinks::overflow_strategy::drop_oldest;
        for (const auto &c : contenders(policy, ours)) {
            if (policy != spdlog::async_overflow_policy::block && c.name.rfind("async", 0) != 0 &&
                c.name.rfind("coro/thread", 0) != 0) {
                continue;  // the drop strategies only matter where a queue can fill
            }
            const std::string who =
                c.name.rfind("coro", 0) == 0 && ours == sinks::overflow_strategy::drop_oldest
                    ? c.name + "/drop_oldest"
                    : c.name;
            auto sink = std::make_shared<counting_sink>();
            auto logger = c.make(sink);
            logger->set_pattern(pattern);
            run_producers(c, *logger, *sink, threads, 20000, false, nullptr);  // warm-up
            std::vector<std::uint32_t> lat;
            lat.reserve(static_cast<std::size_t>(threads) * per_thread);
            run_producers(c, *logger, *sink, threads, per_thread, true, &lat, gap);
            const auto p = summarize(lat);
            record(scenario, "p50", who, p.p50, "ns");
            record(scenario, "p99", who, p.p99, "ns");
            record(scenario, "p99.9", who, p.p999, "ns");
            record(scenario, "max", who, p.max, "ns");
            dispose(logger);
        }
    }
}

// 2. Throughput until every message is written and flushed; null sink and a file.
void scenario_throughput(int threads, std::size_t per_thread, bool file) {
    const std::string scenario =
        std::string("throughput ") + (file ? "file " : "null ") + std::to_string(threads) + "T";
    const auto dir = std::filesystem::temp_directory_path() / "coro_bench";
    std::filesystem::create_directories(dir);
    for (const auto &c :
         contenders(spdlog::async_overflow_policy::block, sinks::overflow_strategy::block)) {
        const double total = static_cast<double>(threads) * static_cast<double>(per_thread);
        double seconds = 0;
        if (file) {
            auto sink = std::make_shared<counting_file_sink>((dir / "bench.log").string());
            auto logger = c.make(sink);
            logger->set_pattern(pattern);
            seconds = run_producers(c, *logger, *sink, threads, per_thread, false, nullptr);
            dispose(logger);
        } else {
            auto sink = std::make_shared<counting_sink>();
            auto logger = c.make(sink);
            logger->set_pattern(pattern);
            seconds = run_producers(c, *logger, *sink, threads, per_thread, false, nullptr);
            dispose(logger);
        }
        record(scenario, "msgs/s", c.name, total / seconds, "msg/s");
        record(scenario, "ns/msg", c.name, seconds * 1e9 / total, "ns");
    }
    std::filesystem::remove_all(dir);
}

// 3. Memory: heap bytes held per queued 100-byte message with the queue full, and heap
// allocations per message in steady state.
void scenario_memory(std::size_t queue) {
    const std::string scenario = "memory";
    {  // spdlog async: the pool preallocates every slot; a stalled worker is not needed.
        const auto before = heap::live_bytes.load();
        auto pool = std::make_shared<spdlog::details::thread_pool>(queue, 1);
        const auto after = heap::live_bytes.load();
        record(scenario, "bytes/queued msg", "async/block",
               static_cast<double>(after - before) / static_cast<double>(queue), "B");
    }
    {  // ours: manual driver, nothing written until poll(), so the queue really fills.
        auto sink = std::make_shared<counting_sink>();
        const auto before = heap::live_bytes.load();
        auto o =
            coro_options(sinks::coro_driver::manual, sinks::overflow_strategy::drop_oldest, queue);
        o.batch_size = queue;
        o.flush_interval = std::chrono::hours(1);
        auto coro = std::make_shared<sinks::coro_sink_mt>(std::vector<sink_ptr>{sink}, o);
        spdlog::logger logger("bench", coro);
        for (std::size_t i = 0; i < queue; ++i)
            logger.info("Hello logger: msg number {} {}", i, filler);
        const auto after = heap::live_bytes.load();
        if (coro->stats().queue_size != queue) std::fprintf(stderr, "memory: queue not full\n");
        record(scenario, "bytes/queued msg", "coro/manual",
               static_cast<double>(after - before) / static_cast<double>(queue), "B");
    }
    // Allocations per message, steady state, one producer, null sink.
    for (const auto &c :
         contenders(spdlog::async_overflow_policy::block, sinks::overflow_strategy::block)) {
        auto sink = std::make_shared<counting_sink>();
        auto logger = c.make(sink);
        run_producers(c, *logger, *sink, 1, 50000, false, nullptr);  // reach steady state
        const auto before = heap::allocations.load();
        constexpr std::size_t n = 100000;
        run_producers(c, *logger, *sink, 1, n, false, nullptr);
        const auto allocs = heap::allocations.load() - before;
        record(scenario, "allocs/msg", c.name, static_cast<double>(allocs) / n, "");
        dispose(logger);
    }
}

// 4. A slow wrapped sink (1 ms per write): producer latency and exact written / dropped.
void scenario_slow(std::size_t messages) {
    const std::string scenario = "slow sink";
    constexpr std::size_t queue = 256;
    struct variant {
        std::string name;
        spdlog::async_overflow_policy policy;
        sinks::overflow_strategy ours;
    };
    const variant variants[] = {
        {"drop", spdlog::async_overflow_policy::overrun_oldest,
         sinks::overflow_strategy::drop_oldest},
        {"block", spdlog::async_overflow_policy::block, sinks::overflow_strategy::block}};
    for (const auto &v : variants) {
        for (const auto &c : contenders(v.policy, v.ours, queue)) {
            if (c.name.rfind("async", 0) != 0 && c.name != "coro/thread") continue;
            auto sink = std::make_shared<counting_sink>(std::chrono::milliseconds(1));
            auto logger = c.make(sink);
            std::vector<std::uint32_t> lat;
            lat.reserve(messages);
            // Spread the messages over time (one every 100 us) as a service would; the
            // sink takes 1 ms each, so the queue fills and the strategy decides.
            std::vector<std::uint32_t> mine(messages);
            for (std::size_t i = 0; i < messages; ++i) {
                const auto t0 = clock_type::now();
                logger->info("Hello logger: msg number {} {}", i, filler);
                const auto t1 = clock_type::now();
                mine[i] = static_cast<std::uint32_t>(
                    std::chrono::duration_cast<std::chrono::nanoseconds>(t1 - t0).count());
                while (clock_type::now() - t1 < std::chrono::microseconds(100)) {
                }
            }
            std::uint64_t dropped = 0;
            if (auto *coro = coro_of(*logger)) {
                coro->flush_for(std::chrono::minutes(5));
                dropped = coro->stats().messages_dropped;
            } else {
                // overrun_counter counts the evictions of the pool's queue.
                while (sink->written.load() + g_pool->overrun_counter() < messages) {
                    std::this_thread::sleep_for(std::chrono::milliseconds(1));
                }
                dropped = g_pool->overrun_counter();
            }
            const auto written = sink->written.load();
            auto p = summarize(mine);
            const std::string who = c.name + "/" + v.name;
            record(scenario, "p50", who, p.p50, "ns");
            record(scenario, "p99.9", who, p.p999, "ns");
            record(scenario, "written", who, static_cast<double>(written), "msgs");
            record(scenario, "dropped", who, static_cast<double>(dropped), "msgs");
            record(scenario, "lost", who,
                   static_cast<double>(messages) - static_cast<double>(written + dropped), "msgs");
            dispose(logger);
        }
    }
}

std::string machine_description() {
    std::string cpu = "unknown cpu";
    std::ifstream info("/proc/cpuinfo");
    for (std::string line; std::getline(info, line);) {
        if (line.rfind("model name", 0) == 0) {
            cpu = line.substr(line.find(':') + 2);
            break;
        }
    }
#if defined(__clang__)
    const std::string compiler = "clang " __clang_version__;
#elif defined(__GNUC__)
    const std::string compiler = "g++ " __VERSION__;
#else
    const std::string compiler = "unknown compiler";
#endif
    return cpu + ", " + std::to_string(std::thread::hardware_concurrency()) + " cores; " +
           compiler + "; spdlog " + std::to_string(SPDLOG_VER_MAJOR) + "." +
           std::to_string(SPDLOG_VER_MINOR) + "." + std::to_string(SPDLOG_VER_PATCH);
}

double value_of(const std::string &scenario, const std::string &metric, const std::string &who) {
    for (const auto &r : g_rows) {
        if (r.scenario == scenario && r.metric == metric && r.contender == who) return r.value;
    }
    return 0;
}

// The async reference of a row: the same drop/block flavour as the row when there is one.
std::string reference_for(const row &r) {
    const bool drop = r.contender.find("drop") != std::string::npos ||
                      r.contender.find("overrun") != std::string::npos;
    if (r.scenario == "slow sink") return drop ? "async/overrun/drop" : "async/block/block";
    return drop ? "async/overrun" : "async/block";
}

void print_table(const std::string &machine) {
    std::printf("\nmachine: %s\n\n", machine.c_str());
    std::printf("%-20s %-16s %-24s %14s %-6s %10s %10s\n", "scenario", "metric", "contender",
                "value", "unit", "vs async", "vs F");
    for (const auto &r : g_rows) {
        const double async = value_of(r.scenario, r.metric, reference_for(r));
        const double floor = value_of(r.scenario, r.metric, "F (sync)");
        char a[32] = "-", f[32] = "-";
        if (async > 0 && r.unit != "msgs") std::snprintf(a, sizeof a, "%.2fx", r.value / async);
        if (floor > 0 && r.unit != "msgs") std::snprintf(f, sizeof f, "%.2fx", r.value / floor);
        std::printf("%-20s %-16s %-24s %14.1f %-6s %10s %10s\n", r.scenario.c_str(),
                    r.metric.c_str(), r.contender.c_str(), r.value, r.unit.c_str(), a, f);
    }
}

void write_csv(const std::string &path, const std::string &machine) {
    std::ofstream out(path);
    out << "# " << machine << "\n";
    out << "scenario,metric,contender,value,unit,ratio_vs_async,ratio_vs_floor\n";
    for (const auto &r : g_rows) {
        const double async = value_of(r.scenario, r.metric, reference_for(r));
        const double floor = value_of(r.scenario, r.metric, "F (sync)");
        out << r.scenario << ',' << r.metric << ',' << r.contender << ',' << r.value << ','
            << r.unit << ',' << (async > 0 ? r.value / async : 0) << ','
            << (floor > 0 ? r.value / floor : 0) << '\n';
    }
}

}  // namespace

int main(int argc, char **argv) {
    bool quick = false;
    std::string csv;
    for (int i = 1; i < argc; ++i) {
        if (std::strcmp(argv[i], "--quick") == 0) {
            quick = true;
        } else if (std::strcmp(argv[i], "--csv") == 0 && i + 1 < argc) {
            csv = argv[++i];
        } else {
            std::fprintf(stderr, "usage: %s [--quick] [--csv FILE]\n", argv[0]);
            return 2;
        }
    }
    const std::size_t scale = quick ? 1 : 5;
    const std::string machine = machine_description();
    std::fprintf(stderr, "running (%s)...\n", quick ? "quick" : "full");
    using std::chrono::microseconds;
    scenario_latency(1, 20000 * scale, microseconds(5));
    scenario_latency(4, 10000 * scale, microseconds(20));
    scenario_latency(1, 40000 * scale, {});
    scenario_latency(4, 20000 * scale, {});
    scenario_throughput(1, 200000 * scale, false);
    scenario_throughput(4, 50000 * scale, false);
    scenario_throughput(1, 100000 * scale, true);
    scenario_memory(8192);
    scenario_slow(quick ? 1000 : 3000);
    print_table(machine);
    if (!csv.empty()) write_csv(csv, machine);
    return 0;
}
