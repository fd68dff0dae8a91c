#pragma once
// What optimize() shows while it runs: trials done of the target, how many were pruned or failed,
// the best value so far with its trial and config, elapsed time and an estimate of the time left.
//
//   automatic  a status line redrawn after each trial when standard error is a terminal; nothing
//              when it is not (a log file, a pipe, CI), so logs stay clean
//   bar        the redrawn line, wherever the output goes
//   lines      one line per finished trial (for logs that should show progress)
//   off        nothing
//
// run_options::verbose adds a line per intermediate value (per epoch) with `lines` and `bar`.
// Printing happens under the study's lock, after a trial ends: never inside a trial.

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <iomanip>
#include <iostream>
#include <optional>
#include <sstream>
#include <string>
#include <unistd.h>

// The terminal's width. <sys/ioctl.h> would define NCC, CTIME, CMIN and other short macros in every
// program that includes htune (NCC breaks xtensor-blas's LAPACK declarations), so on Linux only the
// request number is taken from <asm/ioctls.h> and ioctl is declared as glibc declares it.
#if defined(__linux__) && defined(__GLIBC__) && __has_include(<asm/ioctls.h>)
#include <asm/ioctls.h>
extern "C" int ioctl(int fd, unsigned long request, ...) noexcept;
#define HTUNE_DETAIL_HAS_TIOCGWINSZ 1
#else
#define HTUNE_DETAIL_HAS_TIOCGWINSZ 0
#endif

namespace htune::exec {

enum class progress_display { automatic, bar, lines, off };

namespace detail {

// "1:05", "12:00:07": elapsed and remaining times.
inline std::string clock_text(double seconds) {
    auto const s = static_cast<long long>(std::max(0.0, seconds) + 0.5);
    char buffer[32];
    if (s >= 3600) std::snprintf(buffer, sizeof buffer, "%lld:%02lld:%02lld", s / 3600, s / 60 % 60, s % 60);
    else std::snprintf(buffer, sizeof buffer, "%lld:%02lld", s / 60, s % 60);
    return buffer;
}

// What the study tells the printer after each trial.
struct progress_state {
    std::uint64_t done = 0;     // trials this run has finished
    std::uint64_t complete = 0; // in the whole study
    std::uint64_t pruned = 0;
    std::uint64_t failed = 0;
    std::optional<double> best; // the best value so far
    std::uint64_t best_number = 0;
    std::string best_config;
};

class progress_printer {
public:
    // target: trials the run will start (optimize), or complete trials it aims at (optimize_until).
    progress_printer(progress_display mode, std::ostream* out, std::uint64_t target, bool target_is_complete,
                     std::optional<std::chrono::steady_clock::time_point> deadline, bool verbose)
        : m_out(out ? out : &std::cerr), m_target(target), m_target_is_complete(target_is_complete),
          m_deadline(deadline), m_verbose(verbose), m_start(std::chrono::steady_clock::now()) {
        bool const terminal = m_out == &std::cerr && ::isatty(STDERR_FILENO) == 1;
        m_mode =
            mode == progress_display::automatic ? (terminal ? progress_display::bar : progress_display::off) : mode;
#if HTUNE_DETAIL_HAS_TIOCGWINSZ
        if (terminal) {
            struct {
                unsigned short rows, columns, x_pixels, y_pixels; // the kernel's struct winsize
            } w{};
            if (::ioctl(STDERR_FILENO, TIOCGWINSZ, &w) == 0 && w.columns >= 20) m_width = w.columns;
        }
#endif
    }

    bool active() const noexcept { return m_mode != progress_display::off; }

    void trial_done(std::uint64_t number, std::string_view outcome, progress_state const& s) {
        if (!active()) return;
        if (m_mode == progress_display::lines) {
            *m_out << "htune: trial " << number << ' ' << outcome << " | " << status(s) << '\n';
        } else {
            draw("htune: " + status(s));
        }
        m_out->flush();
    }

    void reported(std::uint64_t number, std::uint64_t step, double value) {
        if (!active() || !m_verbose) return;
        if (m_mode == progress_display::bar && m_drawn) *m_out << "\r\x1b[K";
        *m_out << "htune: trial " << number << " step " << step << ": " << value << '\n';
        if (m_mode == progress_display::bar && m_drawn) *m_out << m_last;
        m_out->flush();
    }

    // Leaves the last status line in place.
    void finish() {
        if (m_mode == progress_display::bar && m_drawn) {
            *m_out << '\n';
            m_out->flush();
        }
    }

private:
    std::string status(progress_state const& s) const {
        std::ostringstream line;
        double const elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - m_start).count();
        if (m_target_is_complete) line << s.complete << '/' << m_target << " complete";
        else line << s.done << '/' << m_target << " trials";
        if (s.pruned || s.failed) line << " (" << s.pruned << " pruned, " << s.failed << " failed)";
        if (s.best)
            line << " | best " << std::setprecision(6) << *s.best << " (trial " << s.best_number << ' ' << s.best_config
                 << ')';
        line << " | " << clock_text(elapsed);
        // Time left from the rate so far, capped by the timeout.
        std::optional<double> left;
        std::uint64_t const progressed = m_target_is_complete ? s.complete : s.done;
        if (progressed > 0 && progressed < m_target)
            left = elapsed / static_cast<double>(progressed) * static_cast<double>(m_target - progressed);
        if (m_deadline) {
            double const until = std::chrono::duration<double>(*m_deadline - std::chrono::steady_clock::now()).count();
            left = left ? std::min(*left, until) : until;
        }
        if (left) line << ", ETA " << clock_text(*left);
        return line.str();
    }

    void draw(std::string text) {
        if (text.size() > m_width - 1) text = text.substr(0, m_width - 4) + "...";
        *m_out << "\r\x1b[K" << text;
        m_last = std::move(text);
        m_drawn = true;
    }

    std::ostream* m_out;
    std::uint64_t m_target;
    bool m_target_is_complete;
    std::optional<std::chrono::steady_clock::time_point> m_deadline;
    bool m_verbose;
    std::chrono::steady_clock::time_point m_start;
    progress_display m_mode = progress_display::off;
    std::size_t m_width = 120;
    bool m_drawn = false;
    std::string m_last;
};

} // namespace detail
} // namespace htune::exec
