#pragma once
// one_of<O...>: one optimizer out of several, picked at run time by `index`. Its state holds the
// chosen optimizer's state in a std::variant and branches once per step (once per batch); the
// update loops inside stay those of the chosen optimizer. A tuner builds it from
// hp_switch<"name">; on its own:
//   optim::one_of<optim::sgd<>, optim::adam<>> opt;  opt.index = 1;  // Adam

#include <cstddef>
#include <span>
#include <string_view>
#include <tuple>
#include <type_traits>
#include <utility>
#include <variant>

#include "../core/concepts/optimizer.hpp"
#include "../core/dispatch.hpp"
#include "../core/errors.hpp"
#include "../core/hp.hpp"
#include "../core/roles.hpp"
#include "../core/slots.hpp"

namespace htune::optim {

template <class... Opts>
struct one_of {
    static_assert(sizeof...(Opts) > 0, "htune::optim::one_of: give at least one optimizer");
    static_assert(((has_role<Opts, role::optimizer> || holds_hp_v<Opts>) && ...),
                  "htune::optim::one_of<O...>: every O must be an optimizer (sgd, adam, adamw, rmsprop, adagrad "
                  "or a type meeting docs/concepts/optimizer.md)");

    using htune_role = role::optimizer;
    static constexpr std::string_view name = "htune::optim::one_of";

    std::size_t index = 0;
    std::tuple<Opts...> alternatives{};

    void validate() const {
        HTUNE_CHECK(index < sizeof...(Opts), name, ": index (", index, ") must be below the number of alternatives (",
                    sizeof...(Opts), ")");
        with_index<sizeof...(Opts)>(index, [&](auto i) {
            auto const& chosen = std::get<i.value>(alternatives);
            if constexpr (requires { chosen.validate(); }) chosen.validate();
        });
    }

    template <class T>
    class state {
        using variant_type = std::variant<typename Opts::template state<T>...>;

        static variant_type make(one_of const& opt, std::size_t n) {
            opt.validate();
            return with_index<sizeof...(Opts)>(opt.index, [&](auto i) {
                return variant_type(std::in_place_index<i.value>, std::get<i.value>(opt.alternatives), n);
            });
        }

    public:
        state(one_of const& opt, std::size_t n) : m_state(make(opt, n)) {}

        void step(std::span<T> params, std::span<T const> grads, T lr) {
            std::visit([&](auto& s) { s.step(params, grads, lr); }, m_state);
        }

        // Split across threads when the chosen optimizer can be; serially otherwise.
        template <class Split>
        void step(std::span<T> params, std::span<T const> grads, T lr, Split&& split) {
            std::visit(
                [&](auto& s) {
                    if constexpr (requires { s.step(params, grads, lr, split); }) s.step(params, grads, lr, split);
                    else s.step(params, grads, lr);
                },
                m_state);
        }

        std::size_t index() const noexcept { return m_state.index(); }

    private:
        variant_type m_state;
    };
};

} // namespace htune::optim

// hp_switch<"name"> over optimizers (core/slots.hpp).
template <class... Opts>
struct htune::switch_over<htune::role::optimizer, Opts...> {
    using type = htune::optim::one_of<Opts...>;
};
