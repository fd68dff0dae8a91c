#pragma once
// What a study is told when it is made (study_options), and the compile-time check that its sampler
// can take its space.

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>

#include "../core/fixed_string.hpp"
#include "../core/trials.hpp"
#include "../core/type_list.hpp"
#include "../samplers/sampler.hpp"
#include "../space/choice.hpp"
#include "../space/conditional.hpp"
#include "../space/search_space.hpp"

namespace htune::tune {

// What happens to a trial whose worker is gone (killed, crashed) when a study finds it.
enum class interrupted_trials { rerun, fail };

struct study_options {
    direction goal = direction::minimize;
    std::uint64_t seed = 0;
    std::string name = "htune"; // the study's name in a storage
    interrupted_trials interrupted = interrupted_trials::rerun;
    std::uint64_t max_attempts = 3; // runs of one trial before it fails for good
    // Trial n is proposed without the results of trials n-lag .. n-1 (see study.hpp). Unset: the
    // executor's concurrency() - 1 (run_options::jobs - 1), so a sequential study sees every result.
    std::optional<std::uint64_t> lag = std::nullopt;
};

namespace detail {
template <class Param>
inline constexpr bool is_categorical_param = false;
template <fixed_string N, class... A>
inline constexpr bool is_categorical_param<choice<N, A...>> = true;
template <fixed_string N, fixed_string... O>
inline constexpr bool is_categorical_param<choice_of<N, O...>> = true;
template <class Param, class Cond>
inline constexpr bool is_categorical_param<conditional<Param, Cond>> = is_categorical_param<Param>;

// Instantiated only for a sampler that cannot take the space: the diagnostic names the param. A
// function, not a class, so that the failed assertion leaves nothing else broken.
template <fixed_string Param>
void sampler_takes_no_categorical_param() {
    static_assert(htune::detail::always_false_name<Param>,
                  "htune::tune::study: the sampler works on numbers only (CMA-ES), but the space has a choice "
                  "(see sampler_takes_no_categorical_param<Param> above); use samplers::tpe<>, gp<>, random or "
                  "sobol, or make the param numeric");
}

template <class Sampler, class Space>
struct sampler_fits;
template <class Sampler, class... P>
struct sampler_fits<Sampler, search_space<P...>> {
    static constexpr std::size_t first_categorical = [] {
        constexpr bool hits[] = {is_categorical_param<P>..., false};
        std::size_t k = 0;
        while (k < sizeof...(P) && !hits[k]) ++k;
        return k;
    }();
    static constexpr bool value = samplers::supports_categorical<Sampler>() || first_categorical == sizeof...(P);
    static void report() {
        if constexpr (!value)
            sampler_takes_no_categorical_param<
                htune::detail::name_as_fixed_string<mp_at<type_list<P...>, first_categorical>>()>();
    }
};
} // namespace detail

} // namespace htune::tune
