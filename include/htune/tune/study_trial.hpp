#pragma once
// What a study's ask() hands out and an objective receives: the trial's number and config, a seed,
// and the way back to the study (reports, attributes, the pruner's verdict, Ctrl-C). A trial that
// runs elsewhere (exec/) travels as config_text().

#include <cstdint>
#include <string>
#include <utility>

#include "../core/fixed_string.hpp"
#include "../core/work.hpp"
#include "../space/config_text.hpp"

namespace htune::tune::detail {

// What ask() hands out and an objective receives: the trial's number and config, and the way to
// report intermediate values and attributes. Cheap to copy; valid while the study lives.
template <class Config, class Study>
class study_trial {
public:
    std::uint64_t number() const noexcept { return m_number; }
    Config const& params() const noexcept { return m_config; }
    template <fixed_string Name>
    auto get() const {
        return m_config.template get<Name>();
    }
    // A seed for the objective's own randomness (weight init, shuffling), from (study seed, number).
    std::uint64_t seed() const noexcept { return m_seed; }
    // The config as text (space/config_text.hpp), which parses back to the same config bit for bit:
    // what an executor sends when the trial runs elsewhere.
    std::string config_text() const { return to_string(m_config); }

    void report(std::uint64_t at_step, double value) const { m_study->report(*this, at_step, value); }
    void set_user_attr(std::string key, std::string value) const {
        m_study->set_user_attr(*this, std::move(key), std::move(value));
    }
    [[noreturn]] void prune() const { throw trial_pruned{}; }
    // The pruner's verdict on the last value reported: stop this trial (call prune()) or go on.
    //   t.report(epoch, accuracy);
    //   if (t.should_prune()) t.prune();
    bool should_prune() const { return m_study->should_prune(*this); }
    // Whether the run is being stopped (Ctrl-C): a long objective may poll it between steps;
    // report() throws trial_interrupted then.
    bool should_stop() const noexcept { return m_study->stopping(); }

private:
    friend Study;
    study_trial(Study* s, std::uint64_t number, Config c, std::uint64_t seed, std::uint64_t visible_below)
        : m_study(s), m_number(number), m_config(std::move(c)), m_seed(seed), m_visible_below(visible_below) {}
    Study* m_study;
    std::uint64_t m_number;
    Config m_config;
    std::uint64_t m_seed;
    std::uint64_t m_visible_below; // the pruner compares with finished trials numbered below this
};

} // namespace htune::tune::detail
