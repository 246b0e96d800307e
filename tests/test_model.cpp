// test_model.cpp - model-based randomized test: coro_sink_mt against a reference model.
//
// A reference model (sink_model.h: a std::deque plus the rules of docs/design.md) and the
// real coro_sink_mt receive the same random sequence of operations: log, poll, flush,
// flush_for, advance the injected clock, make a wrapped sink start / stop failing (log()
// always, log() the next n calls, flush() once), add / remove a wrapped sink. After every
// step, what each test_sink received (in order), the fallback sink's sequence, the stats
// (submitted, processed, dropped, failed, queue_overflows, block_timeouts, worker_restarts,
// backend_errors, flush_timeouts, fallback_writes, fallback_activations, fallback_active,
// worker_state, queue_size, queue_high_water), the return values of poll() / flush_for()
// and the counting identity must match. Cooperative and manual drivers, each overflow
// strategy; the options (queue size, batch size, intervals, restart budget and backoff,
// block_timeout, with or without a fallback sink) are drawn from the seed.
//
// Time: the fake clock is frozen, and moves only by the "advance" operation, except during
// the operations that must wait: flush() and flush_for() always, and a log() under block
// whose producer would otherwise wait for a backoff on the frozen clock (the model detects
// that case with a dry run on a copy). During those the clock auto-steps by one hour per
// read, more than any backoff, block_timeout or flush_interval of the test, so the outcome
// does not depend on how often the sink reads the clock; see sink_model.h. flush_for(1 ms)
// then runs exactly one worker step before its deadline has passed. flush() uses a
// flush_timeout of 10^5 hours, so it never times out.
//
// The thread driver is asynchronous: a separate TEST_CASE drives it with the same kinds of
// operations and checks the counting identity at every point between calls (the test is
// the only producer), an empty queue after each completed flush, and the final state
// (nothing lost or duplicated, order kept) after healing every sink and flushing.
//
// Seeds: a fixed set runs by default (1..60 against the model, 1..10 with the thread driver;
// about 2 s in a Debug build, 5 s under ASan+UBSan). On failure the seed, the driver / strategy,
// the step and the last operations are printed. Replay one seed (all driver / strategy
// combinations):
//     SPDLOG_CORO_MODEL_SEED=<n> build/tests/spdlog_coro_tests "[model]"
// The longer soak, with <count> random seeds:
//     SPDLOG_CORO_MODEL_SOAK=2000 build/tests/spdlog_coro_tests "[model]"

#include "catch.h"
#include "fake_clock.h"
#include "sink_model.h"
#include "test_sink.h"

#include <spdlog/sinks/coro_sink.h>

#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <memory>
#include <random>
#include <sstream>
#include <string>
#include <vector>

using namespace std::chrono_literals;
using spdlog::sinks::coro_driver;
using spdlog::sinks::coro_sink_mt;
using spdlog::sinks::coro_sink_options;
using spdlog::sinks::coro_sink_stats;
using spdlog::sinks::coro_worker_state;
using spdlog::sinks::overflow_strategy;

namespace {

constexpr int pool_size = 3;  // test_sinks that can be wrapped; 0 and 1 at the start
constexpr int steps_per_run = 400;

// Deterministic on every platform (std distributions are not).
struct rng_t {
    std::mt19937_64 gen;
    explicit rng_t(std::uint64_t seed)
        : gen(seed) {}
    std::uint64_t below(std::uint64_t n) { return gen() % n; }
};

std::uint64_t run_seed_for(std::uint64_t seed, coro_driver d, overflow_strategy o) {
    return seed * 1000003u + static_cast<std::uint64_t>(d) * 31u + static_cast<std::uint64_t>(o);
}

model::config draw_config(rng_t &rng, coro_driver d, overflow_strategy o) {
    model::config c;
    c.driver = d;
    c.overflow = o;
    c.max_queue_size = 1 + rng.below(8);
    c.batch_size = 1 + rng.below(c.max_queue_size);
    const std::int64_t intervals[] = {5, 20, 50};
    c.flush_interval = intervals[rng.below(3)];
    c.max_restarts = rng.below(5);
    const std::int64_t backoffs[] = {0, 1, 3, 10};
    c.restart_backoff = backoffs[rng.below(4)];
    const std::int64_t factors[] = {1, 4, 8};
    c.max_restart_backoff = std::max<std::int64_t>(1, c.restart_backoff * factors[rng.below(3)]);
    c.block_timeout = rng.below(2) == 0 ? 0 : 5;
    c.fallback_sink = rng.below(2) == 0;
    return c;
}

std::string describe(const model::config &c) {
    std::ostringstream s;
    s << "driver " << spdlog::sinks::to_string(c.driver) << ", overflow "
      << spdlog::sinks::to_string(c.overflow) << ", max_queue_size " << c.max_queue_size
      << ", batch_size " << c.batch_size << ", flush_interval " << c.flush_interval
      << "ms, max_restarts " << c.max_restarts << ", restart_backoff " << c.restart_backoff
      << "ms, max_restart_backoff " << c.max_restart_backoff << "ms, block_timeout "
      << c.block_timeout << "ms, fallback_sink " << c.fallback_sink;
    return s.str();
}

// Switches the clock to auto-step when it goes out of scope, so the sink's destructor never
// waits for a backoff on a frozen clock (matters when a check failed half-way).
struct unfreeze_at_exit {
    std::shared_ptr<fake_clock> clock;
    ~unfreeze_at_exit() { clock->set_auto_step(std::chrono::hours(1)); }
};

// What the runs exercised, summed over all of them: the default seeds must reach every
// interesting state, or the test would silently check less than it claims.
struct coverage {
    std::uint64_t steps = 0, processed = 0, overflows = 0, block_timeouts = 0, restarts = 0,
                  backend_errors = 0, flush_timeouts = 0, fallback_writes = 0,
                  fallback_activations = 0, failed = 0, waiting_logs = 0, recoveries = 0;
};

class model_run {
public:
    model_run(std::uint64_t seed, coro_driver d, overflow_strategy o)
        : seed_(seed),
          rng_(run_seed_for(seed, d, o)),
          cfg_(draw_config(rng_, d, o)),
          model_(cfg_, pool_size, {0, 1}) {
        for (int i = 0; i < pool_size; ++i) pool_.push_back(std::make_shared<test_sink>());
        checked_.assign(pool_size, 0);
        start_ = clock_->peek();
        coro_sink_options opt;
        opt.driver = cfg_.driver;
        opt.overflow = cfg_.overflow;
        opt.max_queue_size = cfg_.max_queue_size;
        opt.batch_size = cfg_.batch_size;
        opt.flush_interval = std::chrono::milliseconds(cfg_.flush_interval);
        opt.max_restarts = cfg_.max_restarts;
        opt.restart_backoff = std::chrono::milliseconds(cfg_.restart_backoff);
        opt.max_restart_backoff = std::chrono::milliseconds(cfg_.max_restart_backoff);
        opt.block_timeout = std::chrono::milliseconds(cfg_.block_timeout);
        opt.flush_timeout = std::chrono::hours(100000);
        if (cfg_.fallback_sink) opt.fallback_sink = fallback_;
        opt.error_handler = [](const std::string &) {};
        opt.clock = clock_->source();
        sink_ =
            std::make_shared<coro_sink_mt>(std::vector<spdlog::sink_ptr>{pool_[0], pool_[1]}, opt);
    }

    // Runs the operations; returns false (after reporting) at the first mismatch.
    bool run(int steps, coverage &cov) {
        const bool ok = run_steps(steps);
        const auto s = sink_->stats();
        cov.steps += static_cast<std::uint64_t>(steps);
        cov.processed += s.messages_processed;
        cov.overflows += s.queue_overflows;
        cov.block_timeouts += s.block_timeouts;
        cov.restarts += s.worker_restarts;
        cov.backend_errors += s.backend_errors;
        cov.flush_timeouts += s.flush_timeouts;
        cov.fallback_writes += s.fallback_writes;
        cov.fallback_activations += s.fallback_activations;
        cov.failed += s.messages_failed;
        cov.waiting_logs += waiting_logs_;
        cov.recoveries += recoveries_;
        return ok;
    }

private:
    bool run_steps(int steps) {
        unfreeze_at_exit guard{clock_};
        if (!compare("construction", -1)) return false;
        for (int i = 0; i < steps; ++i) {
            if (!one_step(i)) return false;
        }
        // Heal every sink and flush: the model and the sink must still agree.
        for (int s = 0; s < pool_size; ++s) {
            pool_[s]->heal();
            model_.sinks[s] = model::sink_state{false, 0, 0, model_.sinks[s].received};
        }
        trace("heal all");
        flush_op(true, "final flush");
        return compare("final flush", steps) && compare_final();
    }
    void trace(const std::string &op) {
        trace_.push_back(op);
        if (trace_.size() > 60) trace_.erase(trace_.begin());
    }

    void jump_begin() { clock_->set_auto_step(std::chrono::hours(1)); }
    void jump_end() {
        clock_->set_auto_step(0ms);
        model_.now =
            std::chrono::duration_cast<std::chrono::milliseconds>(clock_->peek() - start_).count();
        if (model_.state == coro_worker_state::backing_off) {
            clock_->advance(std::chrono::milliseconds(cfg_.max_restart_backoff));
            model_.now += cfg_.max_restart_backoff;
            model_.restart_due_now();
        }
    }

    void flush_op(bool complete, const std::string &what) {
        jump_begin();
        const bool real = complete ? (sink_->flush(), true) : sink_->flush_for(1ms);
        const bool expected = model_.flush(complete);
        jump_end();
        if (!complete && real != expected) {
            mismatch_ += "flush_for returned " + std::to_string(real) + ", model " +
                         std::to_string(expected) + "\n";
        }
        (void)what;
    }

    void log_op() {
        const int id = next_id_++;
        model::sink_model dry = model_;
        bool jump = false;
        try {
            dry.log(id, false);
        } catch (const model::would_wait &) {
            jump = true;
        }
        trace(std::string("log ") + std::to_string(id) + (jump ? " (clock running)" : ""));
        if (jump) {
            ++waiting_logs_;
            jump_begin();
            log_direct(*sink_, std::to_string(id));
            model_.log(id, true);
            jump_end();
        } else {
            log_direct(*sink_, std::to_string(id));
            model_ = std::move(dry);
        }
    }

    bool one_step(int i) {
        const auto op = rng_.below(100);
        if (op < 45) {
            log_op();
        } else if (op < 57) {
            trace("poll");
            const std::size_t real = sink_->poll();
            const std::size_t expected = model_.poll();
            if (real != expected) {
                mismatch_ += "poll returned " + std::to_string(real) + ", model " +
                             std::to_string(expected) + "\n";
            }
        } else if (op < 61) {
            trace("flush");
            flush_op(true, "flush");
        } else if (op < 66) {
            trace("flush_for(1ms)");
            flush_op(false, "flush_for");
        } else if (op < 76) {
            // Around the flush interval and the backoffs.
            const auto span = static_cast<std::uint64_t>(
                2 * std::max(cfg_.flush_interval, cfg_.max_restart_backoff) + 1);
            const auto ms = static_cast<std::int64_t>(rng_.below(span));
            trace("advance " + std::to_string(ms) + "ms");
            clock_->advance(std::chrono::milliseconds(ms));
            model_.now += ms;
        } else if (op < 83) {
            const int s = static_cast<int>(rng_.below(pool_size));
            const bool on = !model_.sinks[s].fail_always;
            trace("sink " + std::to_string(s) + " fail_always " + std::to_string(on));
            pool_[s]->fail_always(on);
            model_.sinks[s].fail_always = on;
        } else if (op < 88) {
            const int s = static_cast<int>(rng_.below(pool_size));
            const auto n = static_cast<std::size_t>(1 + rng_.below(2));
            trace("sink " + std::to_string(s) + " fail_next " + std::to_string(n));
            pool_[s]->fail_next(n);
            model_.sinks[s].fail_next = n;
        } else if (op < 92) {
            const int s = static_cast<int>(rng_.below(pool_size));
            trace("sink " + std::to_string(s) + " fail_flush_next 1");
            pool_[s]->fail_flush_next(1);
            model_.sinks[s].flush_fail_next = 1;
        } else {
            const int s = static_cast<int>(rng_.below(pool_size));
            if (model_.is_wrapped(s)) {
                trace("remove_sink " + std::to_string(s));
                sink_->remove_sink(pool_[s]);
                model_.remove_sink(s);
            } else {
                trace("add_sink " + std::to_string(s));
                sink_->add_sink(pool_[s]);
                model_.add_sink(s);
            }
        }
        return compare(trace_.back(), i);
    }

    template <typename T>
    void field(const char *what, T real, T expected) {
        if (real != expected) {
            std::ostringstream s;
            s << what << ": sink " << real << ", model " << expected << "\n";
            mismatch_ += s.str();
        }
    }

    void sequence(const std::string &what,
                  const test_sink &real,
                  const std::vector<int> &expected,
                  std::size_t &checked) {
        const std::size_t n = real.size();
        if (n != expected.size()) {
            mismatch_ += what + ": received " + std::to_string(n) + " messages, model " +
                         std::to_string(expected.size()) + "\n";
        }
        if (n == checked) return;
        const auto got = real.payloads();
        for (std::size_t k = checked; k < got.size() && k < expected.size(); ++k) {
            if (got[k] != std::to_string(expected[k])) {
                mismatch_ += what + "[" + std::to_string(k) + "]: " + got[k] + ", model " +
                             std::to_string(expected[k]) + "\n";
                return;
            }
        }
        checked = std::min(got.size(), expected.size());
    }

    bool compare(const std::string &op, int step) {
        const coro_sink_stats s = sink_->stats();
        if (was_fallback_ && !s.fallback_active) ++recoveries_;
        was_fallback_ = s.fallback_active;
        const model::sink_model &m = model_;
        field("messages_submitted", s.messages_submitted, m.submitted);
        field("messages_processed", s.messages_processed, m.processed);
        field("messages_dropped", s.messages_dropped, m.overflows + m.block_timeouts);
        field("messages_failed", s.messages_failed, m.failed);
        field("queue_overflows", s.queue_overflows, m.overflows);
        field("block_timeouts", s.block_timeouts, m.block_timeouts);
        field("worker_restarts", s.worker_restarts, m.restarts);
        field("backend_errors", s.backend_errors, m.backend_errors);
        field("flush_timeouts", s.flush_timeouts, m.flush_timeouts);
        field("fallback_writes", s.fallback_writes, m.fallback_writes);
        field("fallback_activations", s.fallback_activations, m.fallback_activations);
        field("queue_size", s.queue_size, m.queue_size());
        field("queue_high_water", s.queue_high_water, m.high_water);
        field("fallback_active", s.fallback_active, m.state == coro_worker_state::fallback);
        field("worker_state", std::string(spdlog::sinks::to_string(s.worker_state)),
              std::string(spdlog::sinks::to_string(m.state)));
        if (s.messages_submitted !=
                s.messages_processed + s.messages_dropped + s.messages_failed + s.queue_size ||
            s.messages_dropped != s.queue_overflows + s.block_timeouts) {
            mismatch_ += "counting identity broken\n";
        }
        for (int k = 0; k < pool_size; ++k) {
            sequence("sink " + std::to_string(k), *pool_[k], m.sinks[k].received, checked_[k]);
        }
        sequence("fallback sink", *fallback_, m.fallback_received, checked_fallback_);
        if (mismatch_.empty()) return true;

        std::ostringstream report;
        report << "model mismatch: seed " << seed_ << " (replay: SPDLOG_CORO_MODEL_SEED=" << seed_
               << "), " << describe(cfg_) << "\nat step " << step << " (" << op << ")\n"
               << mismatch_ << "last operations:\n";
        for (const auto &t : trace_) report << "  " << t << "\n";
        FAIL_CHECK(report.str());
        return false;
    }

    bool compare_final() {
        const coro_sink_stats s = sink_->stats();
        if (s.queue_size != 0) {
            FAIL_CHECK("seed " << seed_ << ", " << describe(cfg_)
                               << ": queue not empty after healing and flushing");
            return false;
        }
        return true;
    }

    std::uint64_t seed_;
    rng_t rng_;
    model::config cfg_;
    model::sink_model model_;
    std::shared_ptr<fake_clock> clock_ = std::make_shared<fake_clock>();
    fake_clock::time_point start_;
    std::vector<std::shared_ptr<test_sink>> pool_;
    std::shared_ptr<test_sink> fallback_ = std::make_shared<test_sink>();
    std::shared_ptr<coro_sink_mt> sink_;
    std::vector<std::string> trace_;
    std::string mismatch_;
    std::vector<std::size_t> checked_;
    std::size_t checked_fallback_ = 0;
    int next_id_ = 0;
    std::uint64_t waiting_logs_ = 0;
    std::uint64_t recoveries_ = 0;
    bool was_fallback_ = false;
};

// The seeds to run: SPDLOG_CORO_MODEL_SEED=<n> (one), SPDLOG_CORO_MODEL_SOAK=<count> (that
// many random ones), else the fixed set.
std::vector<std::uint64_t> seeds_to_run(std::uint64_t fixed_count) {
    std::vector<std::uint64_t> seeds;
    if (const char *one = std::getenv("SPDLOG_CORO_MODEL_SEED")) {
        seeds.push_back(std::strtoull(one, nullptr, 10));
    } else if (const char *soak = std::getenv("SPDLOG_CORO_MODEL_SOAK")) {
        const auto count = std::strtoull(soak, nullptr, 10);
        std::random_device rd;
        for (std::uint64_t i = 0; i < count; ++i)
            seeds.push_back((std::uint64_t(rd()) << 32) | rd());
    } else {
        for (std::uint64_t i = 1; i <= fixed_count; ++i) seeds.push_back(i);
    }
    return seeds;
}

}  // namespace

TEST_CASE("the sink matches the reference model under random operations (cooperative, manual)",
          "[model]") {
    const auto seeds = seeds_to_run(60);
    coverage cov;
    for (const auto seed : seeds) {
        for (const auto d : {coro_driver::cooperative, coro_driver::manual}) {
            for (const auto o : {overflow_strategy::drop_oldest, overflow_strategy::drop_newest,
                                 overflow_strategy::block}) {
                model_run run(seed, d, o);
                if (!run.run(steps_per_run, cov)) return;  // reported; stop at the first failure
            }
        }
    }
    INFO("steps " << cov.steps << ", processed " << cov.processed << ", overflows " << cov.overflows
                  << ", block_timeouts " << cov.block_timeouts << ", restarts " << cov.restarts
                  << ", backend_errors " << cov.backend_errors << ", flush_timeouts "
                  << cov.flush_timeouts << ", fallback_writes " << cov.fallback_writes
                  << ", fallback_activations " << cov.fallback_activations << ", failed "
                  << cov.failed << ", producers that waited " << cov.waiting_logs << ", recoveries "
                  << cov.recoveries);
    if (seeds.size() > 1) {
        CHECK(cov.overflows > 0);
        CHECK(cov.block_timeouts > 0);
        CHECK(cov.restarts > 0);
        CHECK(cov.flush_timeouts > 0);
        CHECK(cov.fallback_writes > 0);
        CHECK(cov.fallback_activations > 0);
        CHECK(cov.failed > 0);
        CHECK(cov.waiting_logs > 0);
        CHECK(cov.recoveries > 0);
        CHECK(cov.backend_errors > 0);
    }
    CHECK(cov.processed > 0);
}

namespace {

// Payloads are "<n>": true when the numbers only grow (nothing duplicated or reordered).
bool strictly_increasing(const std::vector<std::string> &payloads) {
    long previous = -1;
    for (const auto &p : payloads) {
        const long n = std::stol(p);
        if (n <= previous) return false;
        previous = n;
    }
    return true;
}

}  // namespace

// The thread driver writes asynchronously, so the model cannot predict each step. This test
// is the only producer, so every point between its calls is quiescent: the counting
// identity must hold there, a completed flush() must leave the queue empty, and at the end
// (sinks healed, flushed) nothing is queued, every message was counted exactly once
// (submitted == processed + dropped + failed) and each sink got its messages at most once,
// in order. The clock auto-steps (1 ms per read), so backoffs and block timeouts pass.
TEST_CASE("the thread driver keeps the counting identity under random operations", "[model]") {
    const auto seeds = seeds_to_run(10);
    for (const auto seed : seeds) {
        for (const auto o : {overflow_strategy::drop_oldest, overflow_strategy::drop_newest,
                             overflow_strategy::block}) {
            rng_t rng(run_seed_for(seed, coro_driver::thread, o));
            const model::config cfg = draw_config(rng, coro_driver::thread, o);
            INFO("seed " << seed << " (replay: SPDLOG_CORO_MODEL_SEED=" << seed << "), "
                         << describe(cfg));
            auto clock = std::make_shared<fake_clock>();
            clock->set_auto_step(1ms);
            std::vector<std::shared_ptr<test_sink>> pool;
            for (int i = 0; i < pool_size; ++i) pool.push_back(std::make_shared<test_sink>());
            auto fallback = std::make_shared<test_sink>();
            coro_sink_options opt;
            opt.driver = coro_driver::thread;
            opt.overflow = o;
            opt.max_queue_size = cfg.max_queue_size;
            opt.batch_size = cfg.batch_size;
            opt.flush_interval = std::chrono::milliseconds(cfg.flush_interval);
            opt.max_restarts = cfg.max_restarts;
            opt.restart_backoff = std::chrono::milliseconds(cfg.restart_backoff);
            opt.max_restart_backoff = std::chrono::milliseconds(cfg.max_restart_backoff);
            opt.block_timeout = std::chrono::milliseconds(cfg.block_timeout);
            opt.flush_timeout = std::chrono::hours(100000);
            if (cfg.fallback_sink) opt.fallback_sink = fallback;
            opt.error_handler = [](const std::string &) {};
            opt.clock = clock->source();
            auto sink = std::make_shared<coro_sink_mt>(
                std::vector<spdlog::sink_ptr>{pool[0], pool[1]}, opt);
            std::vector<bool> wrapped{true, true, false};
            std::vector<bool> failing(pool_size, false);
            std::vector<std::string> trace;
            int next_id = 0;

            for (int step = 0; step < 300; ++step) {
                const auto op = rng.below(100);
                std::string what;
                bool flushed = false;
                if (op < 50) {
                    what = "log " + std::to_string(next_id);
                    log_direct(*sink, std::to_string(next_id++));
                } else if (op < 60) {
                    what = "poll";
                    sink->poll();
                } else if (op < 65) {
                    what = "flush";
                    sink->flush();
                    flushed = true;
                } else if (op < 70) {
                    what = "flush_for(1ms)";
                    sink->flush_for(1ms);
                } else if (op < 78) {
                    const auto ms = static_cast<std::int64_t>(rng.below(60));
                    what = "advance " + std::to_string(ms) + "ms";
                    clock->advance(std::chrono::milliseconds(ms));
                } else if (op < 85) {
                    const auto k = static_cast<std::size_t>(rng.below(pool_size));
                    failing[k] = !failing[k];
                    what =
                        "sink " + std::to_string(k) + " fail_always " + std::to_string(failing[k]);
                    pool[k]->fail_always(failing[k]);
                } else if (op < 89) {
                    const auto k = static_cast<std::size_t>(rng.below(pool_size));
                    what = "sink " + std::to_string(k) + " fail_next 1";
                    pool[k]->fail_next(1);
                } else if (op < 92) {
                    const auto k = static_cast<std::size_t>(rng.below(pool_size));
                    what = "sink " + std::to_string(k) + " fail_flush_next 1";
                    pool[k]->fail_flush_next(1);
                } else {
                    const auto k = static_cast<std::size_t>(rng.below(pool_size));
                    what = (wrapped[k] ? "remove_sink " : "add_sink ") + std::to_string(k);
                    if (wrapped[k]) {
                        sink->remove_sink(pool[k]);
                    } else {
                        sink->add_sink(pool[k]);
                    }
                    wrapped[k] = !wrapped[k];
                }
                trace.push_back(what);
                if (trace.size() > 40) trace.erase(trace.begin());
                const coro_sink_stats s = sink->stats();
                const bool identity =
                    s.messages_submitted == s.messages_processed + s.messages_dropped +
                                                s.messages_failed + s.queue_size &&
                    s.messages_dropped == s.queue_overflows + s.block_timeouts;
                const bool bounded = s.queue_size <= cfg.max_queue_size;
                const bool empty_after_flush = !flushed || s.queue_size == 0;
                if (!identity || !bounded || !empty_after_flush) {
                    std::ostringstream report;
                    report << "step " << step << " (" << what << "): submitted "
                           << s.messages_submitted << " processed " << s.messages_processed
                           << " dropped " << s.messages_dropped << " failed " << s.messages_failed
                           << " queue_size " << s.queue_size << " overflows " << s.queue_overflows
                           << " block_timeouts " << s.block_timeouts << "\nlast operations:\n";
                    for (const auto &t : trace) report << "  " << t << "\n";
                    FAIL(report.str());
                }
            }

            for (auto &p : pool) p->heal();
            sink->flush();
            const coro_sink_stats s = sink->stats();
            CHECK(s.queue_size == 0);
            CHECK(s.messages_submitted == static_cast<std::uint64_t>(next_id));
            CHECK(s.messages_submitted ==
                  s.messages_processed + s.messages_dropped + s.messages_failed);
            CHECK(s.messages_dropped == s.queue_overflows + s.block_timeouts);
            for (const auto &p : pool) CHECK(strictly_increasing(p->payloads()));
            CHECK(strictly_increasing(fallback->payloads()));
            CHECK(fallback->size() == s.fallback_writes);
            if (o == overflow_strategy::block) CHECK(s.queue_overflows == 0);
        }
    }
}
