#pragma once
// hyperband: Hyperband (Li et al. 2018) over asynchronous successive halving, as Optuna's
// HyperbandPruner. Trials are spread over brackets; bracket b is a successive_halving with
// min_early_stopping_rate b that compares a trial only with the trials of its own bracket, so the
// low brackets prune hard and early and the high ones give every trial more steps.
//
//   tune::study<space, samplers::tpe<>, pruners::hyperband> s{space{}, {}, {}, nullptr,
//       pruners::hyperband{{.max_resource = 30}}};   // 30 epochs
//
// Brackets and their sizes are Optuna's: floor(log_rf(max / min)) + 1 brackets, bracket b holding
// about ceil(n * rf^s / (s + 1)) shares (s = n - 1 - b), and trial t of study "name" in the bracket
// chosen by crc32("name_t"), so the same study name gives the same brackets as Optuna.

#include <cmath>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "../core/errors.hpp"
#include "pruner.hpp"
#include "successive_halving.hpp"

namespace htune::pruners {

struct hyperband_options {
    std::uint64_t min_resource = 1;
    // The steps a full trial runs (epochs); nullopt: the first complete trial's last step + 1, no
    // pruning until a trial has completed (Optuna's "auto").
    std::optional<std::uint64_t> max_resource = std::nullopt;
    std::uint64_t reduction_factor = 3;
    std::uint64_t bootstrap_count = 0; // needs max_resource
};

namespace detail {

// CRC-32 (IEEE 802.3, as zlib and Python's binascii.crc32), bitwise: a few dozen bytes per call.
inline std::uint32_t crc32(std::string_view bytes) noexcept {
    std::uint32_t crc = 0xffffffffu;
    for (unsigned char const c : bytes) {
        crc ^= c;
        for (int k = 0; k < 8; ++k) crc = (crc >> 1) ^ (0xedb88320u & (0u - (crc & 1u)));
    }
    return ~crc;
}

} // namespace detail

class hyperband {
public:
    using htune_role = htune::role::pruner;

    hyperband() : hyperband(hyperband_options{}) {}
    explicit hyperband(hyperband_options options) : m_options(options) {
        HTUNE_CHECK(m_options.min_resource >= 1, "htune::pruners::hyperband: min_resource must be at least 1, got ",
                    m_options.min_resource);
        HTUNE_CHECK(m_options.reduction_factor >= 2,
                    "htune::pruners::hyperband: reduction_factor must be at least 2, got ", m_options.reduction_factor);
        HTUNE_CHECK(!m_options.max_resource || *m_options.max_resource >= m_options.min_resource,
                    "htune::pruners::hyperband: max_resource (", m_options.max_resource.value_or(0),
                    ") must be at least min_resource (", m_options.min_resource, ")");
        HTUNE_CHECK(m_options.bootstrap_count == 0 || m_options.max_resource,
                    "htune::pruners::hyperband: bootstrap_count (", m_options.bootstrap_count,
                    ") needs a max_resource; with \"auto\" no trial could complete to set it");
    }

    hyperband_options const& options() const noexcept { return m_options; }

    // The number of brackets for a max_resource.
    std::uint64_t brackets(std::uint64_t max_resource) const {
        double const ratio = static_cast<double>(max_resource) / static_cast<double>(m_options.min_resource);
        return static_cast<std::uint64_t>(
                   std::floor(std::log(ratio) / std::log(static_cast<double>(m_options.reduction_factor)))) +
               1;
    }

    // The bracket of trial `number` in study `name`, for a max_resource.
    std::uint64_t bracket_of(std::string_view name, std::uint64_t number, std::uint64_t max_resource) const {
        auto const budgets = budgets_for(brackets(max_resource));
        std::uint64_t total = 0;
        for (auto const b : budgets) total += b;
        std::string key(name);
        key += '_';
        key += std::to_string(number);
        auto n = static_cast<std::int64_t>(detail::crc32(key) % total);
        for (std::size_t b = 0; b < budgets.size(); ++b) {
            n -= static_cast<std::int64_t>(budgets[b]);
            if (n < 0) return b;
        }
        return budgets.size() - 1; // not reached: the budgets sum to total
    }

    bool should_prune(prune_context const& ctx) const {
        if (ctx.reported.empty()) return false;
        std::uint64_t max_resource = 0;
        std::optional<std::uint64_t> competes_after; // with "auto": trials up to the first complete one do not compete
        if (m_options.max_resource) {
            max_resource = *m_options.max_resource;
        } else {
            auto const first = detail::first_complete_trial(ctx.finished);
            if (!first) return false;
            max_resource = first->last_step + 1;
            competes_after = first->number;
        }
        if (max_resource < m_options.min_resource) return false;
        std::uint64_t const bracket = bracket_of(ctx.study_name, ctx.number, max_resource);
        std::vector<finished_trial> same_bracket;
        for (auto const& f : ctx.finished)
            if ((!competes_after || f.number > *competes_after) &&
                bracket_of(ctx.study_name, f.number, max_resource) == bracket)
                same_bracket.push_back(f);
        successive_halving const rungs({.min_resource = m_options.min_resource,
                                        .reduction_factor = m_options.reduction_factor,
                                        .min_early_stopping_rate = bracket,
                                        .bootstrap_count = m_options.bootstrap_count});
        return rungs.judge(ctx, m_options.min_resource, same_bracket);
    }

private:
    std::vector<std::uint64_t> budgets_for(std::uint64_t n_brackets) const {
        std::vector<std::uint64_t> budgets;
        for (std::uint64_t b = 0; b < n_brackets; ++b) {
            std::uint64_t const s = n_brackets - 1 - b;
            double const share = static_cast<double>(n_brackets) *
                                 std::pow(static_cast<double>(m_options.reduction_factor), static_cast<double>(s)) /
                                 static_cast<double>(s + 1);
            budgets.push_back(static_cast<std::uint64_t>(std::ceil(share)));
        }
        return budgets;
    }

    hyperband_options m_options;
};

} // namespace htune::pruners
