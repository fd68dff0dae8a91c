#pragma once
// journal_format: the pieces of Optuna's JournalStorage format (3.1) that journal.hpp reads and
// writes: operation and state codes, the non-finite tokens Python's json writes, checked integer
// fields, Optuna's local ISO timestamps, and the worker names htune writes beside each operation
// (host, pid and process start, so that a worker on the same machine is known to be gone at once).
//
// Needs nlohmann-json (Debian: nlohmann-json3-dev); link the CMake target htune::journal.

#if !__has_include(<nlohmann/json.hpp>)
#error                                                                                                                 \
    "htune/storage/journal_format.hpp needs nlohmann-json (Debian: nlohmann-json3-dev; vcpkg and Conan: nlohmann-json), and the CMake target htune::journal"
#endif

#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <fstream>
#include <limits>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <sstream>
#include <stdexcept>
#include <string>
#include <string_view>
#include <unistd.h>
#include <utility>
#include <vector>

#include "../core/errors.hpp"
#include "records.hpp"

namespace htune::storage {
namespace journal_detail {

// A stored study that does not fit the one being opened (direction, objectives, space): not
// corruption, so the error gives no repair advice. Raised while replaying, turned into a
// journal_error naming the file and line by apply_line.
class mismatch : public htune::error {
public:
    using htune::error::error;
};

// Optuna's JournalOperation codes.
enum op : int {
    create_study = 0,
    delete_study = 1,
    set_study_user_attr = 2,
    set_study_system_attr = 3,
    create_trial = 4,
    set_trial_param = 5,
    set_trial_state_values = 6,
    set_trial_intermediate_value = 7,
    set_trial_user_attr = 8,
    set_trial_system_attr = 9,
};

// Optuna's TrialState codes.
inline int optuna_state(trial_state s) {
    switch (s) {
        case trial_state::running: return 0;
        case trial_state::complete: return 1;
        case trial_state::pruned: return 2;
        case trial_state::failed: return 3;
    }
    return 3;
}

// Sentinels for the bare tokens Optuna (Python's json) writes for non-finite numbers.
inline constexpr std::string_view pos_inf = "\x01htune:+inf";
inline constexpr std::string_view neg_inf = "\x01htune:-inf";
inline constexpr std::string_view not_a_number = "\x01htune:nan";

// Rewrites Infinity, -Infinity and NaN outside strings as sentinel strings nlohmann-json can read.
inline std::string with_nonfinite_tokens_quoted(std::string_view line) {
    std::string out;
    out.reserve(line.size());
    bool in_string = false;
    for (std::size_t i = 0; i < line.size(); ++i) {
        char const c = line[i];
        if (in_string) {
            out += c;
            if (c == '\\' && i + 1 < line.size()) out += line[++i];
            else if (c == '"') in_string = false;
            continue;
        }
        auto const token = [&](std::string_view t, std::string_view sentinel) {
            if (line.substr(i, t.size()) != t) return false;
            out += '"';
            for (char const s : sentinel) out += s == '\x01' ? std::string("\\u0001") : std::string(1, s);
            out += '"';
            i += t.size() - 1;
            return true;
        };
        if (c == '"') {
            in_string = true;
            out += c;
        } else if (!(token("-Infinity", neg_inf) || token("Infinity", pos_inf) || token("NaN", not_a_number))) {
            out += c;
        }
    }
    return out;
}

inline double number(nlohmann::json const& j) {
    if (j.is_number()) return j.get<double>();
    if (j.is_null()) return std::numeric_limits<double>::quiet_NaN();
    if (j.is_string()) {
        auto const& s = j.get_ref<std::string const&>();
        if (s == pos_inf) return std::numeric_limits<double>::infinity();
        if (s == neg_inf) return -std::numeric_limits<double>::infinity();
        if (s == not_a_number) return std::numeric_limits<double>::quiet_NaN();
    }
    throw std::invalid_argument("expected a number, got " + j.dump());
}

// An integer field (an op code, an id, a state, a step). nlohmann-json's get<int>() converts any
// number unchecked: a float out of range (1e300) is undefined behaviour, and a large integer wraps
// (op_code 4294967300 would read as 4). Whole floats in range are taken, as Optuna does.
template <class T>
T integer(nlohmann::json const& j) {
    if (j.is_number_unsigned()) {
        auto const v = j.get<std::uint64_t>();
        if (std::in_range<T>(v)) return static_cast<T>(v);
    } else if (j.is_number_integer()) {
        auto const v = j.get<std::int64_t>();
        if (std::in_range<T>(v)) return static_cast<T>(v);
    } else if (j.is_number_float()) {
        double const v = j.get<double>();
        double const limit = std::ldexp(1.0, std::numeric_limits<T>::digits); // 2^31, 2^63 or 2^64: exact
        double const low = std::numeric_limits<T>::is_signed ? -limit : 0.0;
        if (v >= low && v < limit && v == std::floor(v)) return static_cast<T>(v);
    }
    throw std::invalid_argument("expected an integer, got " + j.dump());
}

// Optuna's timestamps: local time, ISO 8601 with microseconds, no zone.
inline std::string iso_local(time_point t) {
    auto const us = std::chrono::duration_cast<std::chrono::microseconds>(t.time_since_epoch()).count();
    std::time_t const secs = static_cast<std::time_t>(us / 1000000);
    std::tm tm{};
    localtime_r(&secs, &tm);
    char buffer[64];
    std::snprintf(buffer, sizeof buffer, "%04d-%02d-%02dT%02d:%02d:%02d.%06lld", tm.tm_year + 1900, tm.tm_mon + 1,
                  tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, static_cast<long long>(us % 1000000));
    return buffer;
}

// A time outside 1970 to 2262 is not one a trial ran at, and is refused: the nanoseconds of the system
// clock end in 2262, and the differences taken with now() (the grace period) would overflow too.
inline std::optional<time_point> parse_iso_local(std::string const& s) {
    std::tm tm{};
    int micro = 0;
    int consumed = 0;
    // Field widths as Optuna writes them; they also keep each field far from int overflow.
    if (std::sscanf(s.c_str(), "%4d-%2d-%2dT%2d:%2d:%2d%n", &tm.tm_year, &tm.tm_mon, &tm.tm_mday, &tm.tm_hour,
                    &tm.tm_min, &tm.tm_sec, &consumed) != 6)
        return std::nullopt;
    if (s.size() > static_cast<std::size_t>(consumed) && s[static_cast<std::size_t>(consumed)] == '.') {
        std::string digits = s.substr(static_cast<std::size_t>(consumed) + 1, 6);
        while (digits.size() < 6) digits += '0';
        micro = std::atoi(digits.c_str());
    }
    tm.tm_year -= 1900;
    tm.tm_mon -= 1;
    tm.tm_isdst = -1;
    std::time_t const secs = std::mktime(&tm);
    if (secs == static_cast<std::time_t>(-1)) return std::nullopt;
    constexpr auto last = std::chrono::duration_cast<std::chrono::seconds>(time_point::duration::max()).count() - 1;
    if (secs < 0 || secs > last) return std::nullopt;
    return std::chrono::system_clock::from_time_t(secs) + std::chrono::microseconds(micro);
}

// The start time of a live process in clock ticks since boot (field 22 of /proc/PID/stat), so that
// a pid reused by another process is not taken for the worker that had it; nullopt when there is no
// such process or it is a zombie (killed, not yet reaped: a container's init may take its time).
inline std::optional<unsigned long long> process_start(long pid) {
    std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
    std::string text;
    if (!in || !std::getline(in, text)) return std::nullopt;
    auto const close = text.rfind(')');
    if (close == std::string::npos || close + 2 >= text.size()) return std::nullopt;
    std::istringstream fields(text.substr(close + 2));
    std::string field;
    for (int i = 3; i <= 22; ++i) {
        if (!(fields >> field)) return std::nullopt;
        if (i == 3 && (field == "Z" || field == "X" || field == "x")) return std::nullopt;
    }
    try {
        return std::stoull(field);
    } catch (...) {
        return std::nullopt;
    }
}

inline std::string host_name() {
    char buffer[256] = {};
    if (::gethostname(buffer, sizeof buffer - 1) != 0) return "unknown-host";
    return buffer;
}

// "htune/<host>/<pid>/<process start>/<nonce>": enough to tell, on the same machine, whether the
// worker still runs.
inline std::string new_worker_id(std::string const& host) {
    long const pid = static_cast<long>(::getpid());
    auto const start = process_start(pid).value_or(0);
    auto const now = static_cast<unsigned long long>(std::chrono::steady_clock::now().time_since_epoch().count());
    static std::uint64_t counter = 0;
    std::uint64_t nonce = now ^ (++counter * 0x9e3779b97f4a7c15ull);
    char hex[17];
    std::snprintf(hex, sizeof hex, "%016llx", static_cast<unsigned long long>(nonce));
    return "htune/" + host + "/" + std::to_string(pid) + "/" + std::to_string(start) + "/" + hex;
}

struct worker_address {
    std::string host;
    long pid = 0;
    unsigned long long start = 0;
};

inline std::optional<worker_address> parse_worker(std::string_view w) {
    if (!w.starts_with("htune/")) return std::nullopt;
    std::vector<std::string> parts;
    std::string current;
    for (char const c : w.substr(6)) {
        if (c == '/') {
            parts.push_back(current);
            current.clear();
        } else {
            current += c;
        }
    }
    parts.push_back(current);
    if (parts.size() != 4) return std::nullopt;
    try {
        return worker_address{parts[0], std::stol(parts[1]), std::stoull(parts[2])};
    } catch (...) {
        return std::nullopt;
    }
}

// Trials of every study in the file, as Optuna numbers them: trial ids count every trial created
// for a live study, numbers count within the study.
struct replay_trial {
    std::int64_t study = 0;
    stored_trial data;
    std::map<std::string, double, std::less<>> params; // name -> internal value
    time_point last_heard{};
};

} // namespace journal_detail

} // namespace htune::storage
