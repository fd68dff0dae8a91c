#pragma once
// The binding hook: how a component shows a binder (tune/bind.hpp) its tunable slots, so that a
// user's own layer, optimizer, schedule or regularizer is tuned exactly as a built-in one. The
// binder names no component; it walks what each component declares here.
//
// Number slots and parts: one member function lists every member filled from a number slot
// (a template argument that takes a number or hp<"name">{}) and every member that is itself a
// component, or a std::tuple of them, so the walk goes on inside it:
//
//   template <auto Units = std::size_t{0}, class Init = htune::nn::init::glorot_uniform>
//   struct my_layer {
//       std::size_t units = htune::slot_count<Units>();   // 0 until a tuner binds an hp
//       Init init{};
//       void htune_slots(auto&& visit) { visit(htune::number_slot<Units, "my_layer units">(units), init); }
//       // a template that mixes type and value parameters also names its type slots:
//       using type_slots = htune::type_list<Init>;
//       template <class... T>
//       using with_type_slots = my_layer<Units, T...>;
//   };
//
// Type slots: every argument of a template of types alone (sequential<L...>, one_of<A...>) is a
// type slot and needs no declaration. A template with a value parameter beside a type slot
// (dense<Units, Init, Bias>) declares `type_slots` and `with_type_slots`, the same component
// with other types in those slots, in the same order. A binder reads type_slots while hp<"name">
// still stands in them, so the class body must accept that: check a slot with
// `concept<Slot> || holds_hp_v<Slot>` (nn/dense.hpp does).
//
// The slot's name (a literal) is what a mistake's diagnostic shows: "nn::dense units".

#include <cstddef>
#include <type_traits>

#include "fixed_string.hpp"
#include "hp.hpp"
#include "type_list.hpp"

namespace htune {

// A member filled from the number slot V (a number, or hp<"name">{} for a binder to set).
template <auto V, fixed_string Slot, class Member>
struct number_slot_ref {
    static constexpr auto arg = V;
    static constexpr auto slot_name = Slot;
    Member& member;
};

template <auto V, fixed_string Slot, class Member>
constexpr number_slot_ref<V, Slot, Member> number_slot(Member& member) noexcept {
    return {member};
}

template <class T>
struct is_number_slot : std::false_type {};
template <auto V, fixed_string Slot, class Member>
struct is_number_slot<number_slot_ref<V, Slot, Member>> : std::true_type {};

// The initial value of a member filled from a number slot: the number, or NaN while an hp stands
// there (a range check then refuses a spec used outside a tuner).
template <class Number, auto V>
consteval Number slot_number() {
    return detail::slot_number<Number, V>();
}

// The same for a count (a width, a depth, epochs): the count, or 0 while an hp stands there.
template <auto V>
consteval std::size_t slot_count() {
    return detail::slot_count<V>();
}

// The component that a binder puts in place of hp_switch<"name"> over alternatives of one role: a
// component that holds every alternative and branches once per call. Each area that can switch
// specialises it for its role (nn::one_of for layers, optim::one_of for optimizers,
// nn::init::one_of for initializers) with `using type = ...`; a role without one cannot be switched.
template <class Role, class... Alternatives>
struct switch_over {};

} // namespace htune
