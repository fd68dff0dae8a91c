#pragma once
// journal: a study kept in a file of JSON lines, one operation per line, in the format of Optuna's
// JournalStorage (3.1), so that
//     optuna.load_study(study_name="htune", storage=JournalStorage(JournalFileStorage(path)))
// reads a study written here, and htune resumes one written by Optuna with the same space.
//
//   tune::study<space, samplers::tpe<>> s{{.seed = 7}, storage::open_journal("study.jsonl")};
//
// Safety:
// - Every batch of lines is one write() under an exclusive flock() on the file (the kernel drops
//   the lock when a process dies: no stale lock file), then fdatasync() unless options.sync is off.
//   Several processes, on one machine or over a shared file system with working flock, may use one
//   journal at once. Optuna's own writers lock with a separate symlink file instead: do not let
//   Optuna write to a journal while htune does (reading it is fine).
// - A process killed mid-write leaves a torn last line (no newline). Readers ignore it; the next
//   writer cuts it off under the lock, with a warning, before appending (Optuna would glue the next
//   record onto it and fail later: Optuna issue 5138). Nothing else is ever rewritten.
// - A line that is not valid JSON, or not a valid operation, is corruption: an error names the file,
//   the line and its byte offset, and how to repair it. Lines are bounded in length; an unknown
//   operation is an error saying the file may come from a newer version.
// - Optuna writes infinite values as Infinity/-Infinity and NaN as NaN; nlohmann-json reads neither,
//   so the reader turns those tokens into values itself. htune never writes a non-finite value (the
//   study fails such trials instead).
//
// Needs nlohmann-json (Debian: nlohmann-json3-dev); link the CMake target htune::journal.

#if !__has_include(<nlohmann/json.hpp>)
#error                                                                                                                 \
    "htune/storage/journal.hpp needs nlohmann-json (Debian: nlohmann-json3-dev; vcpkg and Conan: nlohmann-json), and the CMake target htune::journal"
#endif

#include <cerrno>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <fcntl.h>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iostream>
#include <limits>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>
#include <span>
#include <sstream>
#include <string>
#include <string_view>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>
#include <utility>
#include <vector>

#include "../core/errors.hpp"
#include "backend.hpp"
#include "journal_format.hpp"
#include "records.hpp"

namespace htune::storage {

struct journal_options {
    bool sync = true;                       // fdatasync after every batch (off: faster, a crash may lose the tail)
    std::size_t max_line_bytes = 16u << 20; // a longer line is corruption
    // How often a study with running trials writes a heartbeat record for them (zero: never).
    // Workers on other machines are judged by these; on this machine the process itself is checked.
    std::chrono::milliseconds heartbeat{std::chrono::seconds{30}};
    // A trial of a worker on another machine that this reader has had no news of (a heartbeat or
    // any other record) for this long is taken as its worker's gone. At least twice the heartbeat.
    // Measured on the reader's clock from when it read the news, so clocks need not agree.
    std::chrono::milliseconds grace{std::chrono::minutes{5}};
    // The name this worker gives its machine; empty: gethostname(). Workers with the same host name
    // judge each other by process id, so processes in separate pid namespaces (containers) that
    // share one host name and one journal each need a name of their own.
    std::string host;
    // Where warnings go (a torn last line cut off); default: standard error.
    std::function<void(std::string const&)> warn;
};

class journal final : public backend {
public:
    explicit journal(std::filesystem::path path, journal_options options = {})
        : m_path(std::move(path)), m_options(std::move(options)) {
        using std::chrono::milliseconds;
        HTUNE_CHECK(m_options.heartbeat >= milliseconds{0},
                    "htune::storage::journal_options: heartbeat must not be negative, got ",
                    m_options.heartbeat.count(), " ms");
        HTUNE_CHECK(m_options.grace > milliseconds{0}, "htune::storage::journal_options: grace must be positive, got ",
                    m_options.grace.count(), " ms");
        HTUNE_CHECK(m_options.heartbeat == milliseconds{0} || m_options.grace >= 2 * m_options.heartbeat,
                    "htune::storage::journal_options: grace (", m_options.grace.count(),
                    " ms) must be at least twice the heartbeat (", m_options.heartbeat.count(),
                    " ms), or a live worker could be taken as gone between two heartbeats");
        if (m_options.host.empty()) m_options.host = journal_detail::host_name();
        HTUNE_CHECK(m_options.host.find('/') == std::string::npos, "htune::storage::journal_options: host \"",
                    m_options.host, "\" must not contain '/'");
        m_worker = journal_detail::new_worker_id(m_options.host);
        m_fd = ::open(m_path.c_str(), O_RDWR | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
        if (m_fd < 0)
            htune::detail::throw_error<journal_error>("htune::storage::journal: cannot open \"", m_path.string(),
                                                      "\": ", std::strerror(errno));
        if (!m_options.warn)
            m_options.warn = [](std::string const& message) { std::cerr << "htune: warning: " << message << '\n'; };
    }
    ~journal() override {
        if (m_fd >= 0) ::close(m_fd);
    }
    journal(journal const&) = delete;
    journal& operator=(journal const&) = delete;

    std::filesystem::path const& path() const noexcept { return m_path; }
    std::string const& worker() const noexcept override { return m_worker; }

    void lock() override {
        while (::flock(m_fd, LOCK_EX) != 0) {
            if (errno == EINTR) continue;
            fail_io("cannot lock");
        }
        m_locked = true;
        // Before open() the study's name is unknown and its trials cannot be told apart: open()
        // reads the file then, once.
        if (m_opened) read_new_lines();
    }

    void unlock() noexcept override {
        m_locked = false;
        ::flock(m_fd, LOCK_UN);
    }

    void open(study_schema const& schema) override {
        require_lock("open");
        m_schema = schema;
        m_schema_distributions.clear();
        for (std::size_t i = 0; i < schema.params.size(); ++i) {
            m_schema_distributions.emplace(schema.params[i].name,
                                           std::pair{i, nlohmann::json::parse(schema.params[i].distribution)});
        }
        m_study.reset();
        m_changed.clear();
        // Replay the whole file (again, when a study was open before), checking this study's trials.
        reset_replay();
        m_opened = true;
        read_new_lines();
        if (!m_study) {
            nlohmann::json o = operation(journal_detail::create_study);
            o["study_name"] = schema.name;
            o["directions"] = nlohmann::json::array({schema.goal == direction::minimize ? 1 : 2});
            append({o});
        }
    }

    std::vector<stored_trial> poll() override {
        require_lock("poll");
        std::vector<stored_trial> out;
        for (auto const number : m_changed) out.push_back(m_trials[m_numbers.at(number)].data);
        m_changed.clear();
        return out;
    }

    std::uint64_t create_trial(stored_trial const& t) override {
        require_lock("create_trial");
        require_study("create_trial");
        nlohmann::json o = operation(journal_detail::create_trial);
        o["study_id"] = *m_study;
        o["datetime_start"] = journal_detail::iso_local(t.started);
        o["state"] = journal_detail::optuna_state(trial_state::running);
        nlohmann::json params = nlohmann::json::object();
        nlohmann::json distributions = nlohmann::json::object();
        for (std::size_t i = 0; i < t.params.size() && i < m_schema.params.size(); ++i) {
            if (!t.params[i]) continue;
            params[m_schema.params[i].name] = *t.params[i];
            distributions[m_schema.params[i].name] = m_schema.params[i].distribution;
        }
        o["params"] = std::move(params);
        o["distributions"] = std::move(distributions);
        o["user_attrs"] = nlohmann::json::object();
        nlohmann::json system = nlohmann::json::object();
        if (t.enqueued) system["htune:enqueued"] = true;
        o["system_attrs"] = std::move(system);
        o["intermediate_values"] = nlohmann::json::object();
        o["value"] = nullptr;
        o["values"] = nullptr;
        append({o});
        return m_study_trials.at(*m_study) - 1;
    }

    // Takes over a running trial whose worker is gone: this worker now runs it.
    void claim_trial(std::uint64_t number, std::uint64_t attempt) override {
        require_lock("claim_trial");
        std::int64_t const id = trial_id(number, "claim_trial");
        append({system_attr(id, "htune:worker", m_worker), system_attr(id, "htune:attempt", attempt)});
    }

    void finish_trial(std::uint64_t number, trial_state state, std::optional<double> value,
                      std::string_view message) override {
        require_lock("finish_trial");
        std::int64_t const id = trial_id(number, "finish_trial");
        std::vector<nlohmann::json> batch;
        if (state == trial_state::failed && !message.empty())
            batch.push_back(system_attr(id, "fail_reason", std::string(message)));
        nlohmann::json o = operation(journal_detail::set_trial_state_values);
        o["trial_id"] = id;
        o["state"] = journal_detail::optuna_state(state);
        if (value) {
            HTUNE_CHECK(std::isfinite(*value), "htune::storage::journal: trial ", number, ": value ", *value,
                        " is not finite");
            o["values"] = nlohmann::json::array({*value});
        } else {
            o["values"] = nullptr;
        }
        o["datetime_complete"] = journal_detail::iso_local(std::chrono::system_clock::now());
        batch.push_back(std::move(o));
        append(batch);
    }

    void report(std::uint64_t number, std::uint64_t step, double value) override {
        require_lock("report");
        HTUNE_CHECK(std::isfinite(value), "htune::storage::journal: trial ", number, " step ", step, ": value ", value,
                    " is not finite");
        nlohmann::json o = operation(journal_detail::set_trial_intermediate_value);
        o["trial_id"] = trial_id(number, "report");
        o["step"] = step;
        o["intermediate_value"] = value;
        append({o});
    }

    void set_user_attr(std::uint64_t number, std::string_view key, std::string_view value) override {
        require_lock("set_user_attr");
        nlohmann::json o = operation(journal_detail::set_trial_user_attr);
        o["trial_id"] = trial_id(number, "set_user_attr");
        o["user_attr"] = nlohmann::json::object({{std::string(key), std::string(value)}});
        append({o});
    }

    std::chrono::milliseconds heartbeat_interval() const noexcept override { return m_options.heartbeat; }

    // One record per trial, {"htune:heartbeat": time} as a system attribute (Optuna shows it as one).
    void heartbeat(std::span<std::uint64_t const> numbers) override {
        require_lock("heartbeat");
        std::vector<nlohmann::json> batch;
        auto const now = journal_detail::iso_local(std::chrono::system_clock::now());
        for (std::uint64_t const number : numbers) {
            auto const id = trial_id(number, "heartbeat");
            if (m_trials[static_cast<std::size_t>(id)].data.state != trial_state::running) continue;
            batch.push_back(system_attr(id, "htune:heartbeat", now));
        }
        if (!batch.empty()) append(batch);
    }

    bool abandoned(stored_trial const& t) const override {
        if (t.state != trial_state::running) return false;
        auto const address = journal_detail::parse_worker(t.worker);
        if (!address) return false; // not an htune worker (Optuna's): nothing to judge by
        if (address->host == m_options.host) {
            auto const start = journal_detail::process_start(address->pid);
            return !start || *start != address->start;
        }
        auto const it = m_numbers.find(t.number);
        time_point heard = t.started;
        if (it != m_numbers.end()) heard = std::max(heard, m_trials[it->second].last_heard);
        return std::chrono::system_clock::now() - heard > m_options.grace;
    }

private:
    [[noreturn]] void fail_io(char const* what) const {
        htune::detail::throw_error<journal_error>("htune::storage::journal: ", what, " \"", m_path.string(),
                                                  "\": ", std::strerror(errno));
    }

    void require_lock(char const* what) const {
        HTUNE_CHECK(m_locked, "htune::storage::journal::", what, ": called without the lock");
    }
    void require_study(char const* what) const {
        HTUNE_CHECK(m_study.has_value(), "htune::storage::journal::", what, ": no study open");
    }

    nlohmann::json operation(int code) const {
        nlohmann::json o = nlohmann::json::object();
        o["op_code"] = code;
        o["worker_id"] = m_worker;
        return o;
    }

    template <class V>
    nlohmann::json system_attr(std::int64_t id, std::string const& key, V const& value) const {
        nlohmann::json o = operation(journal_detail::set_trial_system_attr);
        o["trial_id"] = id;
        o["system_attr"] = nlohmann::json::object({{key, value}});
        return o;
    }

    std::int64_t trial_id(std::uint64_t number, char const* what) const {
        require_study(what);
        auto const it = m_numbers.find(number);
        HTUNE_CHECK(it != m_numbers.end(), "htune::storage::journal::", what, ": no trial ", number, " in study \"",
                    m_schema.name, "\"");
        return static_cast<std::int64_t>(it->second);
    }

    void reset_replay() {
        m_offset = 0;
        m_line = 0;
        m_torn.reset();
        m_next_study_id = 0;
        m_studies.clear();
        m_study_trials.clear();
        m_trials.clear();
        m_numbers.clear();
    }

    // Appends a batch as one write, after cutting off a torn last line; applies it to the replay.
    void append(std::vector<nlohmann::json> const& batch) {
        std::string text;
        for (auto const& o : batch) {
            text += o.dump();
            text += '\n';
        }
        if (m_torn) {
            m_options.warn(htune::detail::concat(
                "journal \"", m_path.string(), "\": cutting off a torn last line at byte ", *m_torn, " (",
                file_size() - *m_torn, " bytes, left by a process that died while writing)"));
            if (::ftruncate(m_fd, static_cast<off_t>(*m_torn)) != 0) fail_io("cannot cut the torn line off");
            m_torn.reset();
        }
        std::size_t written = 0;
        while (written < text.size()) {
            ssize_t const n = ::write(m_fd, text.data() + written, text.size() - written);
            if (n < 0) {
                if (errno == EINTR) continue;
                fail_io("cannot write to");
            }
            written += static_cast<std::size_t>(n);
        }
        if (m_options.sync && ::fdatasync(m_fd) != 0) fail_io("cannot sync");
        for (auto const& o : batch) {
            ++m_line;
            apply(o, /*own=*/true);
        }
        m_offset += text.size();
    }

    std::uint64_t file_size() const {
        struct stat st{};
        if (::fstat(m_fd, &st) != 0) fail_io("cannot stat");
        return static_cast<std::uint64_t>(st.st_size);
    }

    // Reads and applies every complete line after m_offset. A last line without its newline is torn
    // (remembered, cut off before the next append); any other bad line is corruption.
    void read_new_lines() {
        std::uint64_t const size = file_size();
        if (size <= m_offset) {
            m_torn.reset();
            return;
        }
        std::string pending;
        std::uint64_t line_start = m_offset;
        std::uint64_t position = m_offset;
        // At most 1 MiB at a time, and no more than the new bytes (often a few lines).
        std::vector<char> buffer(static_cast<std::size_t>(std::min<std::uint64_t>(1u << 20, size - m_offset)));
        while (position < size) {
            std::size_t const want = static_cast<std::size_t>(std::min<std::uint64_t>(buffer.size(), size - position));
            ssize_t const n = ::pread(m_fd, buffer.data(), want, static_cast<off_t>(position));
            if (n < 0) {
                if (errno == EINTR) continue;
                fail_io("cannot read");
            }
            if (n == 0) break;
            for (ssize_t i = 0; i < n; ++i) {
                char const c = buffer[static_cast<std::size_t>(i)];
                ++position;
                if (c != '\n') {
                    pending += c;
                    if (pending.size() > m_options.max_line_bytes)
                        corrupt(m_line + 1, line_start,
                                htune::detail::concat("the line is longer than ", m_options.max_line_bytes, " bytes"));
                    continue;
                }
                ++m_line;
                apply_line(pending, line_start);
                pending.clear();
                line_start = position;
                m_offset = position;
            }
        }
        if (pending.empty()) m_torn.reset();
        else m_torn = line_start;
    }

    [[noreturn]] void corrupt(std::uint64_t line, std::uint64_t offset, std::string const& what) const {
        htune::detail::throw_error<journal_error>(
            "htune::storage::journal: \"", m_path.string(), "\" line ", line, " (byte offset ", offset, "): ", what,
            ". The journal is corrupted there; the lines before it are intact. To repair, keep a copy and remove "
            "or fix that line (for example: sed -i '",
            line, "d' \"", m_path.string(), "\"), then open the study again");
    }

    void apply_line(std::string const& text, std::uint64_t offset) {
        if (text.empty()) corrupt(m_line, offset, "empty line");
        nlohmann::json o = nlohmann::json::parse(journal_detail::with_nonfinite_tokens_quoted(text), nullptr, false);
        if (o.is_discarded() || !o.is_object()) corrupt(m_line, offset, "not a JSON object");
        try {
            apply(o, /*own=*/false);
        } catch (journal_error const&) {
            throw;
        } catch (journal_detail::mismatch const& e) {
            htune::detail::throw_error<journal_error>("htune::storage::journal: \"", m_path.string(), "\" line ",
                                                      m_line, ": ", e.what());
        } catch (htune::error const& e) {
            corrupt(m_line, offset, e.what());
        } catch (std::exception const& e) {
            corrupt(m_line, offset, std::string("not a valid operation (") + e.what() + ")");
        }
    }

    // Applies one operation as Optuna's JournalStorageReplayResult does; checks our study's trials
    // against the schema.
    void apply(nlohmann::json const& o, bool own) {
        int const code = journal_detail::integer<int>(o.at("op_code"));
        std::string const worker =
            o.contains("worker_id") && o["worker_id"].is_string() ? o["worker_id"].get<std::string>() : std::string();
        switch (code) {
            case journal_detail::create_study: {
                std::string const name = o.at("study_name").get<std::string>();
                for (auto const& [id, n] : m_studies)
                    if (n == name) return; // a duplicate create is ignored, as Optuna does
                std::int64_t const id = m_next_study_id++;
                m_studies.emplace(id, name);
                m_study_trials[id] = 0;
                if (!m_schema.name.empty() && name == m_schema.name) {
                    auto const& directions = o.at("directions");
                    HTUNE_CHECK_AS(journal_detail::mismatch, directions.is_array() && directions.size() == 1,
                                   "study \"", name, "\" has ", directions.size(),
                                   " objectives; htune studies have one");
                    int const d = journal_detail::integer<int>(directions[0]);
                    direction const stored = d == 2 ? direction::maximize : direction::minimize;
                    HTUNE_CHECK_AS(journal_detail::mismatch, stored == m_schema.goal, "study \"", name,
                                   "\" was created to ", stored == direction::minimize ? "minimize" : "maximize",
                                   ", not to ", m_schema.goal == direction::minimize ? "minimize" : "maximize",
                                   " (open it with the same direction, or give the study another name)");
                    m_study = id;
                }
                return;
            }
            case journal_detail::delete_study: {
                std::int64_t const id = journal_detail::integer<std::int64_t>(o.at("study_id"));
                m_studies.erase(id);
                if (m_study && *m_study == id) {
                    HTUNE_CHECK(!own, "study \"", m_schema.name, "\" deleted by this worker");
                    m_study.reset();
                }
                return;
            }
            case journal_detail::set_study_user_attr:
            case journal_detail::set_study_system_attr: return;
            case journal_detail::create_trial: {
                std::int64_t const study = journal_detail::integer<std::int64_t>(o.at("study_id"));
                if (!m_studies.count(study)) return;
                journal_detail::replay_trial t;
                t.study = study;
                t.data.number = m_study_trials[study]++;
                t.data.worker = worker;
                auto const state = o.contains("state") ? journal_detail::integer<int>(o["state"]) : 0;
                if (o.contains("datetime_start") && o["datetime_start"].is_string())
                    t.data.started =
                        journal_detail::parse_iso_local(o["datetime_start"].get<std::string>()).value_or(time_point{});
                t.last_heard = t.data.started;
                std::size_t const id = m_trials.size();
                m_trials.push_back(std::move(t));
                bool const ours = m_study && study == *m_study;
                if (ours) m_numbers[m_trials.back().data.number] = id;
                auto& r = m_trials.back();
                r.data.params.assign(m_schema.params.size(), std::nullopt);
                if (o.contains("params") && o["params"].is_object()) {
                    auto const& distributions = o.at("distributions");
                    for (auto const& [name, value] : o["params"].items())
                        set_param(r, name, journal_detail::number(value), distributions.at(name), ours);
                }
                if (o.contains("user_attrs") && o["user_attrs"].is_object())
                    for (auto const& [k, v] : o["user_attrs"].items()) r.data.user_attrs[k] = attr_text(v);
                if (o.contains("system_attrs") && o["system_attrs"].is_object())
                    for (auto const& [k, v] : o["system_attrs"].items()) set_system_attr(r, k, v);
                if (o.contains("intermediate_values") && o["intermediate_values"].is_object())
                    for (auto const& [step, v] : o["intermediate_values"].items())
                        add_intermediate(r, std::stoull(step), journal_detail::number(v));
                set_state(r, state, o.contains("values") ? o["values"] : nlohmann::json(),
                          o.contains("value") ? o["value"] : nlohmann::json(), o);
                if (ours && !own) m_changed.insert(r.data.number);
                return;
            }
            default: break;
        }
        if (code < journal_detail::set_trial_param || code > journal_detail::set_trial_system_attr)
            htune::detail::throw_error<journal_error>("htune::storage::journal: \"", m_path.string(), "\" line ",
                                                      m_line, ": unknown operation op_code=", code,
                                                      "; the file may come from a newer version of Optuna or htune");

        std::int64_t const id = journal_detail::integer<std::int64_t>(o.at("trial_id"));
        if (id < 0 || static_cast<std::size_t>(id) >= m_trials.size()) return; // Optuna skips these too
        auto& r = m_trials[static_cast<std::size_t>(id)];
        if (r.data.state != trial_state::running && !own) return; // finished trials do not change
        bool const ours = m_study && r.study == *m_study && m_numbers.count(r.data.number);
        // Operations carry no time: a trial was last heard of when this worker read news of it.
        r.last_heard = std::chrono::system_clock::now();
        switch (code) {
            case journal_detail::set_trial_param:
                set_param(r, o.at("param_name").get<std::string>(),
                          journal_detail::number(o.at("param_value_internal")), o.at("distribution"), ours);
                break;
            case journal_detail::set_trial_state_values:
                set_state(r, journal_detail::integer<int>(o.at("state")),
                          o.contains("values") ? o["values"] : nlohmann::json(), nlohmann::json(), o);
                break;
            case journal_detail::set_trial_intermediate_value:
                add_intermediate(r, journal_detail::integer<std::uint64_t>(o.at("step")),
                                 journal_detail::number(o.at("intermediate_value")));
                break;
            case journal_detail::set_trial_user_attr:
                for (auto const& [k, v] : o.at("user_attr").items()) r.data.user_attrs[k] = attr_text(v);
                break;
            case journal_detail::set_trial_system_attr:
                for (auto const& [k, v] : o.at("system_attr").items()) set_system_attr(r, k, v);
                break;
        }
        if (ours && !own) m_changed.insert(r.data.number);
    }

    static std::string attr_text(nlohmann::json const& v) { return v.is_string() ? v.get<std::string>() : v.dump(); }

    void set_system_attr(journal_detail::replay_trial& r, std::string const& key, nlohmann::json const& v) {
        if (key == "fail_reason" && v.is_string()) r.data.message = v.get<std::string>();
        else if (key == "htune:enqueued") r.data.enqueued = v.is_boolean() && v.get<bool>();
        else if (key == "htune:worker" && v.is_string()) r.data.worker = v.get<std::string>();
        else if (key == "htune:attempt" && v.is_number_unsigned()) {
            // A rerun starts afresh: what the earlier attempt reported is not this run's (the study
            // clears it in memory too).
            r.data.attempt = v.get<std::uint64_t>();
            r.data.intermediate.clear();
        }
    }

    void add_intermediate(journal_detail::replay_trial& r, std::uint64_t step, double value) {
        auto& iv = r.data.intermediate;
        for (auto& x : iv)
            if (x.step == step) {
                x.value = value; // Optuna keeps the last value reported for a step
                return;
            }
        iv.push_back({step, value});
        std::sort(iv.begin(), iv.end(), [](auto const& a, auto const& b) { return (a.step) < (b.step); });
    }

    void set_state(journal_detail::replay_trial& r, int state, nlohmann::json const& values,
                   nlohmann::json const& value, nlohmann::json const& o) {
        switch (state) {
            case 0: r.data.state = trial_state::running; break;
            case 1: r.data.state = trial_state::complete; break;
            case 2: r.data.state = trial_state::pruned; break;
            case 3: r.data.state = trial_state::failed; break;
            case 4: // waiting: a trial enqueued through Optuna, which htune does not run
                r.data.state = trial_state::failed;
                r.data.message = "waiting: enqueued through Optuna (htune does not run waiting trials)";
                break;
            default: throw std::invalid_argument("unknown trial state " + std::to_string(state));
        }
        if (values.is_array() && values.size() == 1) r.data.value = journal_detail::number(values[0]);
        else if (values.is_array() && values.size() > 1)
            throw std::invalid_argument("a trial with " + std::to_string(values.size()) +
                                        " values (htune studies have one objective)");
        else if (!value.is_null()) r.data.value = journal_detail::number(value);
        if (r.data.state != trial_state::running && o.contains("datetime_complete") &&
            o["datetime_complete"].is_string())
            r.data.finished = journal_detail::parse_iso_local(o["datetime_complete"].get<std::string>());
    }

    void set_param(journal_detail::replay_trial& r, std::string const& name, double value,
                   nlohmann::json const& distribution, bool ours) {
        r.params[name] = value;
        if (!ours) return;
        auto const it = m_schema_distributions.find(name);
        HTUNE_CHECK_AS(journal_detail::mismatch, it != m_schema_distributions.end(), "trial ", r.data.number,
                       " of study \"", m_schema.name, "\" has param \"", name, "\", which the space does not have (",
                       space_names(),
                       "): the journal was written with another space; open it with that space, or give this "
                       "study another name");
        nlohmann::json const stored =
            distribution.is_string() ? nlohmann::json::parse(distribution.get<std::string>()) : distribution;
        HTUNE_CHECK_AS(journal_detail::mismatch, same_distribution(stored, it->second.second), "trial ", r.data.number,
                       " of study \"", m_schema.name, "\" has param \"", name, "\" with distribution ", stored.dump(),
                       ", but the space has ", it->second.second.dump(),
                       ": the journal was written with another space; open it with that space, or give this study "
                       "another name");
        r.data.params[it->second.first] = value;
    }

    // Optuna writes DiscreteUniform/IntUniform/... for old studies; compare name and attributes as
    // JSON values (1 and 1.0 are equal there).
    static bool same_distribution(nlohmann::json const& a, nlohmann::json const& b) {
        return a.value("name", "") == b.value("name", "") && a.contains("attributes") && b.contains("attributes") &&
               a["attributes"] == b["attributes"];
    }

    std::string space_names() const {
        std::string out;
        for (auto const& p : m_schema.params) out += (out.empty() ? "" : ", ") + p.name;
        return out;
    }

    std::filesystem::path m_path;
    journal_options m_options;
    std::string m_worker;
    int m_fd = -1;
    bool m_locked = false;
    bool m_opened = false;

    std::uint64_t m_offset = 0;          // bytes applied
    std::uint64_t m_line = 0;            // lines applied
    std::optional<std::uint64_t> m_torn; // where a torn last line starts

    study_schema m_schema;
    std::map<std::string, std::pair<std::size_t, nlohmann::json>, std::less<>> m_schema_distributions;
    std::optional<std::int64_t> m_study;
    std::int64_t m_next_study_id = 0;
    std::map<std::int64_t, std::string> m_studies;
    std::map<std::int64_t, std::uint64_t> m_study_trials;
    std::vector<journal_detail::replay_trial> m_trials; // by Optuna trial id
    std::map<std::uint64_t, std::size_t> m_numbers;     // our study: number -> trial id
    std::set<std::uint64_t> m_changed;                  // our study: changed by others since poll()
};

// A journal for a study: `study s{options, storage::open_journal("study.jsonl")}`.
inline std::unique_ptr<backend> open_journal(std::filesystem::path path, journal_options options = {}) {
    return std::make_unique<journal>(std::move(path), std::move(options));
}

namespace detail {
inline std::unique_ptr<backend> open_journal_at(std::filesystem::path const& path) {
    return open_journal(path);
}
// Registers the opener for tuners at start-up (backend.hpp, registered_journal_opener).
inline bool const journal_opener_registered = (registered_journal_opener() = &open_journal_at, true);
} // namespace detail

} // namespace htune::storage
