#pragma once
// Optimizer options as template arguments: `sgd<momentum<0.9>, nesterov>`, `adam<beta1<0.95>>`;
// a tuner fills `momentum<hp<"momentum">{}>` from each trial's config.
// Each option is an empty type with a tag and a value; an optimizer reads the options it takes
// into run-time members once (option_value), so options never reach the step loop and a value
// changed at run time (`a.beta2 = 0.99`) needs no new instantiation.

#include <cstddef>
#include <type_traits>

#include "../core/hp.hpp"
#include "../core/slots.hpp"
#include "../core/type_list.hpp"

namespace htune::optim {

// Tags say which hyperparameter an option sets; optimizers accept or reject options by tag.
namespace tag {
struct none {}; // not an option at all
struct momentum {};
struct nesterov {};
struct weight_decay {};
struct beta1 {};
struct beta2 {};
struct epsilon {};
struct alpha {};
struct centered {};
struct initial_accumulator {};
struct lr_decay {};
} // namespace tag

// The two shapes of an option, written once: a number (a value, or hp<"name">{} for a tuner to
// fill) and a flag. Each named option below is one of them with its tag.
template <class Tag, auto V>
struct number_option {
    using option_tag = Tag;
    static constexpr double value = htune::detail::slot_number<double, V>();
    static constexpr auto arg = V;
};
template <class Tag>
struct flag_option {
    using option_tag = Tag;
    static constexpr bool value = true;
};

// Momentum factor (SGD, RMSprop).
template <auto V>
struct momentum : number_option<tag::momentum, V> {};
// Nesterov momentum (SGD); needs momentum > 0.
struct nesterov : flag_option<tag::nesterov> {};
// L2 penalty added to the gradient (SGD, Adam, RMSprop, AdaGrad), or decoupled decay (AdamW).
template <auto V>
struct weight_decay : number_option<tag::weight_decay, V> {};
// Decay of Adam's first moment estimate.
template <auto V>
struct beta1 : number_option<tag::beta1, V> {};
// Decay of Adam's second moment estimate.
template <auto V>
struct beta2 : number_option<tag::beta2, V> {};
// Term added to the denominator for numerical stability (Adam, RMSprop, AdaGrad).
template <auto V>
struct epsilon : number_option<tag::epsilon, V> {};
// Smoothing constant of RMSprop's running average of squared gradients.
template <auto V>
struct alpha : number_option<tag::alpha, V> {};
// Centered RMSprop: normalise by an estimate of the gradient's variance.
struct centered : flag_option<tag::centered> {};
// Starting value of AdaGrad's sum of squared gradients.
template <auto V>
struct initial_accumulator : number_option<tag::initial_accumulator, V> {};
// AdaGrad's learning-rate decay: lr / (1 + (t - 1) * lr_decay) at step t.
template <auto V>
struct lr_decay : number_option<tag::lr_decay, V> {};

namespace detail {
template <class T>
struct option_tag_of {
    using type = tag::none;
};
template <class T>
    requires requires { typename T::option_tag; }
struct option_tag_of<T> {
    using type = typename T::option_tag;
};
} // namespace detail

// The tag of an option type; tag::none for a type that is not an option.
template <class T>
using option_tag_t = typename detail::option_tag_of<T>::type;

namespace detail {
template <class Tag, class Option, class V>
constexpr void take_option(V& result) {
    if constexpr (std::is_same_v<option_tag_t<Option>, Tag>) result = static_cast<V>(Option::value);
}
} // namespace detail

template <class T>
inline constexpr bool is_option = !std::is_same_v<option_tag_t<T>, tag::none>;

// How many of Options carry Tag.
template <class Tag, class... Options>
inline constexpr std::size_t count_option =
    (std::size_t{0} + ... + (std::is_same_v<option_tag_t<Options>, Tag> ? 1u : 0u));

// The value of the option tagged Tag among options, or fallback when none is; converted to the
// fallback's type (double for rates, bool for flags).
template <class Tag, class V, class... Options>
constexpr V option_value(V fallback, Options const&...) {
    static_assert(count_option<Tag, Options...> <= 1,
                  "htune::optim: an option is given more than once (for example beta1<0.9>, beta1<0.8>)");
    V result = fallback;
    (detail::take_option<Tag, Options>(result), ...);
    return result;
}

namespace detail {
template <class Tag, class... Options>
consteval auto find_option_arg() {
    constexpr std::size_t index = first_true<std::is_same_v<option_tag_t<Options>, Tag>...>;
    if constexpr (index < sizeof...(Options)) {
        using option = mp_at<type_list<Options...>, index>;
        if constexpr (requires { option::arg; }) return option::arg;
        else return 0;
    } else {
        return 0;
    }
}
} // namespace detail

// The template argument of the option tagged Tag (a number or hp<"name">{}), for an optimizer's
// binding hook: number_slot<option_arg<tag::beta1, Options...>, "optim beta1">(beta1). 0 (nothing
// to bind) when no option carries Tag.
template <class Tag, class... Options>
inline constexpr auto option_arg = detail::find_option_arg<Tag, Options...>();

} // namespace htune::optim
